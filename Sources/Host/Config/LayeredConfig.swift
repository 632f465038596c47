import Foundation

/// The configuration as its layers: plugins.yaml (the operator's, never written by the program),
/// the runtime overrides file deep-merged over it, then `--set` overrides, validated as one.
public struct LayeredConfig: Sendable {
    public let file: String
    public let base: ConfigNode
    /// The runtime overrides layer; nil when plugins.yaml configures no `runtime_overrides`.
    public let runtime: RuntimeOverrides?
    public let overrides: [ConfigOverride]
    public let environment: [String: String]
    /// The validated result of every layer.
    public let config: HostConfig

    /// Reads plugins.yaml and its runtime overrides file and validates the merged document.
    /// - Throws: `ConfigError` with every problem at `file:line:col` of the file it is in.
    public static func read(file: String, overrides: [ConfigOverride] = [],
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> LayeredConfig {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigError(SourceLocation(file: file, line: 1, column: 1), "cannot read the configuration file: \(HostConfig.reason(error))")
        }
        let base = try YAMLParser.parse(text, file: file) ?? ConfigNode(.mapping([]), at: SourceLocation(file: file, line: 1, column: 1))
        let runtime = try runtimeOverridesPath(base: base, file: file, overrides: overrides).map { path throws(ConfigError) in
            try RuntimeOverrides.read(path: path)
        }
        return try LayeredConfig(file: file, base: base, runtime: runtime, overrides: overrides, environment: environment)
    }

    private init(file: String, base: ConfigNode, runtime: RuntimeOverrides?, overrides: [ConfigOverride],
                 environment: [String: String]) throws(ConfigError) {
        (self.file, self.base, self.runtime, self.overrides, self.environment) = (file, base, runtime, overrides, environment)
        let merged = runtime.map { base.merged(with: $0.document) } ?? base
        config = try HostConfig.validate(merged, file: file, overrides: overrides, environment: environment)
    }

    /// The same layers with `runtime` in place of the current overrides, validated.
    /// - Throws: `ConfigError` when the result is invalid (nothing is written).
    public func replacing(runtime: RuntimeOverrides) throws(ConfigError) -> LayeredConfig {
        try LayeredConfig(file: file, base: base, runtime: runtime, overrides: overrides, environment: environment)
    }

    /// The overrides file plugins.yaml names (`--set runtime_overrides=...` included), resolved
    /// against plugins.yaml's folder; nil when none is configured (or the value is not a string,
    /// which validation then reports).
    static func runtimeOverridesPath(base: ConfigNode, file: String, overrides: [ConfigOverride]) throws(ConfigError) -> String? {
        var document = base
        for override in overrides where override.path.first == "runtime_overrides" { document = try override.apply(to: document) }
        guard let node = document["runtime_overrides"], case .scalar(let path, _) = node.value, case .string = node.json else { return nil }
        if path.hasPrefix("/") { return path }
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().path
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: folder + "/")).standardizedFileURL.path
    }
}
