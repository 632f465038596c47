import Foundation

/// One plugin as plugins.yaml configures it.
public struct PluginSettings: Sendable {
    public var name: String
    public var enabled: Bool
    /// A required plugin that fails stops `switchboard run`; an optional one is skipped with a warning.
    public var required: Bool
    /// The file inside `plugin_dir`; nil means `lib<name>.so`, then `<name>.so`.
    public var file: String?
    /// The config block handed to the plugin's components, `env:` values not yet resolved.
    public var config: ConfigNode
    public var location: SourceLocation

    /// The file names this plugin may have in the plugin directory, in the order they are tried.
    public var candidateFiles: [String] { file.map { [$0] } ?? ["lib\(name).so", "\(name).so"] }
}

/// Which components `switchboard run` creates, by component name.
public struct ActiveComponents: Sendable, Equatable {
    /// A provider to try when the ones before it fail before streaming: a component, and optionally a model.
    public struct Fallback: Sendable, Equatable {
        public var provider: String
        public var model: String?
    }

    public var provider: String?
    public var fallbacks: [Fallback] = []
    public var store: String?
    public var transports: [String] = []
    public var toolSources: [String] = []

    /// Every selected name with the kind it must have, in creation order: the store first,
    /// transports last so nothing accepts clients before what serves them exists.
    public var ordered: [(name: String, kind: ComponentKind)] {
        (store.map { [($0, ComponentKind.store)] } ?? [])
            + toolSources.map { ($0, .toolSource) }
            + (provider.map { [($0, ComponentKind.provider)] } ?? [])
            + fallbacks.map(\.provider).filter { $0 != provider }.uniqued().map { ($0, .provider) }
            + transports.map { ($0, .transport) }
    }
}

/// The host's configuration: plugins.yaml with `--set` overrides applied and validated.
public struct HostConfig: Sendable {
    public var file: String
    public var document: ConfigNode
    public var pluginDirectory: String
    public var plugins: [PluginSettings]
    public var active: ActiveComponents
    public var logLevel: LogLevel
    public var logFormat = LogFormat.text
    /// The orchestrator's settings (`chat:`).
    public var chat = ChatSettings()
    /// servers_config.json: explicit in plugins.yaml, else `MCP_SERVERS_CONFIG_PATH`, else beside plugins.yaml.
    public var serversConfigPath: String
    public var serversConfigIsExplicit: Bool
    /// The runtime overrides file (`runtime_overrides`, relative to plugins.yaml), if configured.
    public var runtimeOverridesPath: String? = nil

    /// The document plugins read through `config_get`: plugins.yaml with overrides applied and
    /// `servers_config` replaced by the resolved absolute path (from plugins.yaml, else
    /// `MCP_SERVERS_CONFIG_PATH`, else beside plugins.yaml), so a plugin need not know where
    /// plugins.yaml is or read the host's environment.
    public var effectiveDocument: JSONValue {
        guard case .object(var members) = document.json else { return document.json }
        members["servers_config"] = .string(serversConfigPath)
        return .object(members)
    }

    static let topLevelKeys: Set<String> = ["plugin_dir", "servers_config", "log", "plugins", "active", "chat", "runtime_overrides"]
    static let pluginKeys: Set<String> = ["enabled", "required", "file", "config"]
    static let activeKeys: Set<String> = ["provider", "fallbacks", "store", "transports", "tool_sources"]

    /// Reads a configuration file, deep-merges its runtime overrides file over it (when one is
    /// configured and present), applies `--set` overrides and validates the result.
    /// - Throws: `ConfigError` listing every problem as `file:line:col: message`, in the file it is in.
    public static func load(file: String, overrides: [ConfigOverride] = [],
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> HostConfig {
        try LayeredConfig.read(file: file, overrides: overrides, environment: environment).config
    }

    /// Validates configuration text; `file` names it in messages and anchors relative paths.
    public static func parse(_ text: String, file: String, overrides: [ConfigOverride] = [],
                             environment: [String: String] = [:]) throws(ConfigError) -> HostConfig {
        let document = try YAMLParser.parse(text, file: file)
            ?? ConfigNode(.mapping([]), at: SourceLocation(file: file, line: 1, column: 1))
        return try validate(document, file: file, overrides: overrides, environment: environment)
    }

    /// Validates a parsed document (plugins.yaml, possibly with runtime overrides merged in) after
    /// applying `--set` overrides; `file` anchors relative paths.
    public static func validate(_ document: ConfigNode, file: String, overrides: [ConfigOverride] = [],
                                environment: [String: String] = [:]) throws(ConfigError) -> HostConfig {
        var document = document
        for override in overrides { document = try override.apply(to: document) }

        var reader = ConfigReader()
        let baseDirectory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        func resolvePath(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: baseDirectory + "/")).standardizedFileURL.path
        }

        var config = HostConfig(file: file, document: document, pluginDirectory: resolvePath("plugins"), plugins: [],
                                active: ActiveComponents(), logLevel: .info,
                                serversConfigPath: resolvePath(environment["MCP_SERVERS_CONFIG_PATH"] ?? "servers_config.json"),
                                serversConfigIsExplicit: environment["MCP_SERVERS_CONFIG_PATH"] != nil)
        guard let top = reader.mapping(document, "the configuration", allowed: topLevelKeys) else {
            throw ConfigError(reader.diagnostics)
        }
        for entry in top {
            let node = entry.value
            switch entry.key {
            case "plugin_dir":
                if let path = reader.string(node, "plugin_dir") { config.pluginDirectory = resolvePath(path) }
            case "servers_config":
                if let path = reader.string(node, "servers_config") {
                    config.serversConfigPath = resolvePath(path)
                    config.serversConfigIsExplicit = true
                }
            case "log":
                if let log = reader.mapping(node, "log", allowed: ["level", "format"]) {
                    if let level = log.first(where: { $0.key == "level" }), let name = reader.string(level.value, "log.level") {
                        if let parsed = LogLevel(name: name) { config.logLevel = parsed }
                        else { reader.fail(level.value, "log.level must be one of \(LogLevel.allCases.map(\.name).joined(separator: ", ")), found '\(name)'") }
                    }
                    if let format = log.first(where: { $0.key == "format" }), let name = reader.string(format.value, "log.format") {
                        if let parsed = LogFormat(rawValue: name) { config.logFormat = parsed }
                        else { reader.fail(format.value, "log.format must be text or json, found '\(name)'") }
                    }
                }
            case "plugins":
                config.plugins = readPlugins(node, &reader)
            case "active":
                config.active = readActive(node, &reader)
            case "chat":
                config.chat = ChatSettings.read(node, &reader)
            case "runtime_overrides":
                if let path = reader.string(node, "runtime_overrides") { config.runtimeOverridesPath = resolvePath(path) }
            default:
                break  // reported by mapping(allowed:)
            }
        }
        if !reader.diagnostics.isEmpty { throw ConfigError(reader.diagnostics) }
        return config
    }

    private static func readPlugins(_ node: ConfigNode, _ reader: inout ConfigReader) -> [PluginSettings] {
        guard let entries = reader.mapping(node, "plugins") else { return [] }
        return entries.compactMap { entry in
            var settings = PluginSettings(name: entry.key, enabled: true, required: false, file: nil,
                                          config: ConfigNode(.mapping([]), at: entry.value.location), location: entry.keyLocation)
            // `Name:` with nothing after it enables the plugin with defaults.
            if case .scalar(let text, true) = entry.value.value, ConfigNode.typedScalar(text) == .null { return settings }
            guard let fields = reader.mapping(entry.value, "plugins.\(entry.key)", allowed: pluginKeys) else { return nil }
            for field in fields {
                let what = "plugins.\(entry.key).\(field.key)"
                switch field.key {
                case "enabled": settings.enabled = reader.bool(field.value, what) ?? settings.enabled
                case "required": settings.required = reader.bool(field.value, what) ?? settings.required
                case "file":
                    if let file = reader.string(field.value, what) {
                        if file.contains("/") { reader.fail(field.value, "\(what) must be a file name inside plugin_dir, not a path") }
                        else { settings.file = file }
                    }
                case "config":
                    if case .scalar(let text, true) = field.value.value, ConfigNode.typedScalar(text) == .null { break }
                    if reader.mapping(field.value, what) != nil { settings.config = field.value }
                default: break
                }
            }
            return settings
        }
    }

    private static func readActive(_ node: ConfigNode, _ reader: inout ConfigReader) -> ActiveComponents {
        var active = ActiveComponents()
        guard let fields = reader.mapping(node, "active", allowed: activeKeys) else { return active }
        for field in fields {
            switch field.key {
            case "provider": active.provider = reader.string(field.value, "active.provider")
            case "fallbacks": active.fallbacks = readFallbacks(field.value, &reader)
            case "store": active.store = reader.string(field.value, "active.store")
            case "transports": active.transports = reader.stringList(field.value, "active.transports") ?? []
            case "tool_sources": active.toolSources = reader.stringList(field.value, "active.tool_sources") ?? []
            default: break
            }
        }
        return active
    }

    /// `fallbacks: [groq, {provider: openai, model: gpt-4o-mini}]`
    private static func readFallbacks(_ node: ConfigNode, _ reader: inout ConfigReader) -> [ActiveComponents.Fallback] {
        guard case .sequence(let items) = node.value else {
            reader.fail(node, "active.fallbacks must be a list of provider names or {provider, model} mappings, found \(node.typeName)")
            return []
        }
        return items.compactMap { item in
            if case .scalar = item.value { return reader.string(item, "each entry of active.fallbacks").map { .init(provider: $0, model: nil) } }
            guard let fields = reader.mapping(item, "an entry of active.fallbacks", allowed: ["provider", "model"]) else { return nil }
            guard let provider = fields.first(where: { $0.key == "provider" }).flatMap({ reader.string($0.value, "active.fallbacks[].provider") }) else {
                reader.fail(item, "an entry of active.fallbacks needs \"provider\"")
                return nil
            }
            return .init(provider: provider, model: fields.first(where: { $0.key == "model" }).flatMap { reader.string($0.value, "active.fallbacks[].model") })
        }
    }

    static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoSuchFileError { return "No such file or directory" }
        return nsError.localizedDescription
    }
}

extension Array where Element: Hashable {
    /// The elements in order, each once.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
