/// What changed between two valid configurations, sorted into what the host can apply while it
/// runs and what needs a restart. Pure: computed from the two `HostConfig`s alone.
public struct ConfigurationDiff: Sendable {
    /// Dotted keys whose effective value changed (at most four levels deep, e.g.
    /// `plugins.OpenAI.config.temperature`), sorted.
    public var changedKeys: [String] = []
    /// The new log level, when it changed.
    public var logLevel: LogLevel?
    /// Loaded plugins whose `config:` block changed: their instances get `reconfigure`.
    public var pluginBlocks: [String] = []
    /// `active.provider` or `active.fallbacks` changed: new turns need a new provider list.
    public var providersChanged = false
    /// `servers_config` now names another file.
    public var serversConfigMoved = false
    /// `runtime_overrides` now names another file.
    public var runtimeOverridesMoved = false
    /// Settings that take effect only after a restart, each described for the operator.
    public var restartNeeded: [String] = []

    public var isEmpty: Bool { changedKeys.isEmpty }

    public init(_ old: HostConfig, _ new: HostConfig) {
        changedKeys = Self.changes(old.effectiveDocument, new.effectiveDocument, prefix: "", depth: 4)
        guard !changedKeys.isEmpty else { return }
        if old.logLevel != new.logLevel { logLevel = new.logLevel }
        providersChanged = old.active.provider != new.active.provider || old.active.fallbacks != new.active.fallbacks
        serversConfigMoved = old.serversConfigPath != new.serversConfigPath
        runtimeOverridesMoved = old.runtimeOverridesPath != new.runtimeOverridesPath

        if old.pluginDirectory != new.pluginDirectory { restartNeeded.append("plugin_dir (\(new.pluginDirectory))") }
        let before = Dictionary(old.plugins.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        let after = Dictionary(new.plugins.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        for name in Set(before.keys).union(after.keys).sorted() {
            switch (before[name], after[name]) {
            case (nil, _?): restartNeeded.append("plugins.\(name) added (plugins load at start-up)")
            case (_?, nil): restartNeeded.append("plugins.\(name) removed (plugins are never unloaded)")
            case (let was?, let now?):
                if was.enabled != now.enabled { restartNeeded.append("plugins.\(name).enabled") }
                if was.file != now.file { restartNeeded.append("plugins.\(name).file") }
                if was.required != now.required { restartNeeded.append("plugins.\(name).required") }
                if was.config.json != now.config.json { pluginBlocks.append(name) }
            case (nil, nil): break
            }
        }
        if old.active.store != new.active.store { restartNeeded.append("active.store") }
        if old.active.transports != new.active.transports { restartNeeded.append("active.transports") }
        if old.active.toolSources != new.active.toolSources { restartNeeded.append("active.tool_sources") }
    }

    /// Paths where `a` and `b` differ, descending into objects up to `depth` levels.
    static func changes(_ a: JSONValue?, _ b: JSONValue?, prefix: String, depth: Int) -> [String] {
        guard a != b else { return [] }
        guard depth > 0, case .object(let x)? = a, case .object(let y)? = b else { return [prefix.isEmpty ? "(everything)" : prefix] }
        return Set(x.keys).union(y.keys).sorted().flatMap { key in
            changes(x[key], y[key], prefix: prefix.isEmpty ? key : prefix + "." + key, depth: depth - 1)
        }
    }
}
