import Foundation

/// Validated changes to the runtime overrides file, for `switchboard config` and the host's
/// config ops: every change is merged over plugins.yaml and the WHOLE configuration validated
/// before anything is written; an invalid change leaves the file untouched.
///
/// Threading: any thread. Writers hold an advisory lock on the file's folder for the
/// read-modify-write, so the CLI and a running host never lose each other's changes.
public struct RuntimeConfigEditor: Sendable {
    public let configFile: String
    /// `--set` overrides of the run (they still win over the overrides file).
    public let overrides: [ConfigOverride]
    public let environment: [String: String]

    /// One change that was written.
    public struct Change: Sendable {
        public var key: String
        /// The value now in effect at `key` (after every layer), secrets not redacted.
        public var value: JSONValue?
        public var version: Int
        public var path: String
        public var config: HostConfig
    }

    public init(configFile: String, overrides: [ConfigOverride] = [], environment: [String: String] = ProcessInfo.processInfo.environment) {
        (self.configFile, self.overrides, self.environment) = (configFile, overrides, environment)
    }

    /// Keys the overrides file cannot hold.
    static let reservedKeys: Set<String> = [RuntimeOverrides.metadataKey, "runtime_overrides"]

    public func read() throws(ConfigError) -> LayeredConfig {
        try LayeredConfig.read(file: configFile, overrides: overrides, environment: environment)
    }

    /// Sets `key` (dotted) to `value` in the overrides file, after validating the result.
    /// - Throws: `ConfigError` for a bad key, an invalid result (each problem at its place), no
    ///   overrides file configured, or a failed write.
    public func set(_ key: String, to value: ConfigNode) throws(ConfigError) -> Change {
        let origin = value.location.file
        let path = try ConfigNode.keyPath(key, at: value.location)
        if Self.reservedKeys.contains(path[0]) {
            throw ConfigError(value.location, "'\(path[0])' cannot be changed at run time (it is \(path[0] == "runtime_overrides" ? "set in \(configFile) only" : "maintained by switchboard"))")
        }
        return try edit(key) { runtime throws(ConfigError) in try runtime.setting(value, at: path, origin: origin) }
    }

    /// Parses `text` as YAML (as `--set` does) and sets `key` to it.
    public func set(_ key: String, yaml text: String) throws(ConfigError) -> Change {
        let origin = "config set \(key)"
        let at = SourceLocation(file: origin, line: 1, column: 1)
        let value = try YAMLParser.parse(text, file: origin).map { node -> ConfigNode in var node = node; node.location = at; return node }
            ?? ConfigNode(.scalar("", plain: true), at: at)
        return try set(key, to: value)
    }

    /// Removes `key` from the overrides file (plugins.yaml's value applies again).
    /// - Returns: nil when the overrides file does not set `key`.
    public func unset(_ key: String) throws(ConfigError) -> Change? {
        let path = try ConfigNode.keyPath(key, at: SourceLocation(file: "config unset \(key)", line: 1, column: 1))
        do {
            return try edit(key) { runtime throws(ConfigError) in
                guard let removed = runtime.removing(path) else { throw ConfigError([]) }  // sentinel: nothing to remove
                return removed
            }
        } catch let error where error.diagnostics.isEmpty {
            return nil
        }
    }

    /// Removes the overrides file. - Returns: its path and whether there was one.
    public func reset() throws(ConfigError) -> (path: String, removed: Bool) {
        let layers = try readAllowingInvalidOverrides()
        let path = try overridesPath(layers)
        let removed = try AtomicFile.withDirectoryLock(of: path) { () throws(ConfigError) in try RuntimeOverrides.remove(path: path) }
        return (path, removed)
    }

    private func edit(_ key: String, _ change: (RuntimeOverrides) throws(ConfigError) -> RuntimeOverrides) throws(ConfigError) -> Change {
        let first = try read()
        let path = try overridesPath(first.base)
        return try AtomicFile.withDirectoryLock(of: path) { () throws(ConfigError) in
            let layers = try read()  // again, under the lock: another writer may have just written
            guard let runtime = layers.runtime else { throw noOverridesFile(layers.base) }
            let changed = try layers.replacing(runtime: try change(runtime))
            let version = try changed.runtime!.write(baseConfig: (configFile as NSString).lastPathComponent)
            return Change(key: key, value: changed.config.effectiveDocument.value(atPath: key), version: version, path: path, config: changed.config)
        }
    }

    /// reset-config must work even when the overrides file is what breaks the configuration.
    private func readAllowingInvalidOverrides() throws(ConfigError) -> ConfigNode {
        let text: String
        do { text = try String(contentsOfFile: configFile, encoding: .utf8) } catch {
            throw ConfigError(SourceLocation(file: configFile, line: 1, column: 1), "cannot read the configuration file: \(HostConfig.reason(error))")
        }
        return try YAMLParser.parse(text, file: configFile) ?? ConfigNode(.mapping([]), at: SourceLocation(file: configFile, line: 1, column: 1))
    }

    private func overridesPath(_ layers: LayeredConfig) throws(ConfigError) -> String { try overridesPath(layers.base) }

    private func overridesPath(_ base: ConfigNode) throws(ConfigError) -> String {
        guard let path = try LayeredConfig.runtimeOverridesPath(base: base, file: configFile, overrides: overrides) else { throw noOverridesFile(base) }
        return path
    }

    private func noOverridesFile(_ base: ConfigNode) -> ConfigError {
        ConfigError(SourceLocation(file: configFile, line: 1, column: 1),
                    "no runtime overrides file is configured: add `runtime_overrides: runtime.yaml` to \((configFile as NSString).lastPathComponent)")
    }
}
