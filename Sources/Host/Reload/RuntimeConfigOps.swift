import Dispatch
import Foundation
import PluginABI
import Synchronization

/// The host ops for runtime configuration, for transports (the admin API) and the `config_tools`
/// tool source, through `sb_host_api.submit`:
///
/// | op | request | `DONE` data |
/// |---|---|---|
/// | `config_get` | `{key}` | `{key, value}`: the value in effect, secrets redacted (`env:NAME` as written) |
/// | `config_set` | `{key, value}` (any JSON) | `{key, value, version, reload}`: validated, written atomically, applied |
/// | `config_unset` | `{key}` | `{key, value, version, reload}`: the override removed |
/// | `config_reset` | `{}` | `{removed, reload}`: the overrides file removed |
///
/// A key starting with `provider.` means the active provider's config block
/// (`provider.model` is `plugins.<its plugin>.config.model`). Errors end with `ERROR`:
/// `invalid_request`, `not_found`, `invalid_config` (`data`: `{"errors": ["file:line:col: ...", ...]}`).
///
/// Threading: `submit` checks the request at once and does the work on the reloader's
/// configuration thread (never the caller's), so a change and the reload it triggers happen
/// in order with file-change reloads; the terminal event comes from that thread.
public final class RuntimeConfigOps: HostRequestHandler {
    public static let ops: Set<String> = ["config_get", "config_set", "config_unset", "config_reset"]

    private let editor: RuntimeConfigEditor
    private let reloader: ConfigurationReloader?
    private let queue: DispatchQueue
    private let pluginOfComponent: [String: String]
    private let nextHandle = Atomic<UInt64>(1)

    /// - Parameters:
    ///   - reloader: the running host's; with it, a change is applied before `DONE`. Without it
    ///     (tests, tools), the file is only written.
    ///   - pluginOfComponent: which plugin offers each component, for `provider.` keys.
    public init(editor: RuntimeConfigEditor, reloader: ConfigurationReloader?, pluginOfComponent: [String: String]) {
        self.editor = editor
        self.reloader = reloader
        self.queue = reloader?.queue ?? DispatchQueue(label: "switchboard.config-ops")
        self.pluginOfComponent = pluginOfComponent
    }

    public func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        guard Self.ops.contains(op) else {
            throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "unknown op '\(op)' (config ops: \(Self.ops.sorted().joined(separator: ", ")))")
        }
        guard case .object(let fields)? = try? JSONValue.parse(request) else {
            throw ComponentError(status: SB_ERR_INVALID, message: "\(op): the request must be a JSON object")
        }
        let key = fields["key"]?.stringValue
        // config_get with "" reads the whole configuration; the other ops change one key.
        if op != "config_reset", key == nil || (key!.isEmpty && op != "config_get") {
            throw ComponentError(status: SB_ERR_INVALID, message: "\(op) needs \"key\" (a dotted key such as log.level)")
        }
        if op == "config_set", fields["value"] == nil {
            throw ComponentError(status: SB_ERR_INVALID, message: "config_set needs \"value\" (any JSON value)")
        }
        let name = caller.name
        queue.async { [self] in
            let event = perform(op, key: key ?? "", value: fields["value"] ?? .null, caller: name)
            sink.send(event)
        }
        return nextHandle.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// Config ops finish quickly on their own; there is nothing to stop.
    public func cancel(handle: UInt64) {}

    /// Runs one op on the configuration thread and returns its terminal event.
    func perform(_ op: String, key: String, value: JSONValue, caller: String) -> PluginEvent {
        do throws(ConfigError) {
            let config: HostConfig
            if let reloader { config = reloader.current } else { config = try editor.read().config }
            let resolved = op == "config_reset" || key.isEmpty ? "" : try resolve(key, in: config)
            switch op {
            case "config_get":
                guard let found = config.effectiveDocument.value(atPath: resolved) else {
                    return Self.error("not_found", SB_ERR_NOT_FOUND, "\(key) is not set (its default applies)")
                }
                return Self.done(["key": .string(key), "resolved_key": .string(resolved), "value": Self.redacted(found, key: resolved)])
            case "config_set":
                let origin = SourceLocation(file: "config_set \(resolved)", line: 1, column: 1)
                let change = try editor.set(resolved, to: ConfigNode(json: value, at: origin))
                reloader?.log("config_set \(resolved) by '\(caller)' (version \(change.version))")
                return Self.done(["key": .string(key), "resolved_key": .string(resolved), "version": .int(Int64(change.version)),
                                  "value": change.value.map { Self.redacted($0, key: resolved) } ?? .null, "reload": reload(op)])
            case "config_unset":
                guard let change = try editor.unset(resolved) else {
                    return Self.error("not_found", SB_ERR_NOT_FOUND, "\(key) is not overridden")
                }
                return Self.done(["key": .string(key), "resolved_key": .string(resolved), "version": .int(Int64(change.version)),
                                  "value": change.value.map { Self.redacted($0, key: resolved) } ?? .null, "reload": reload(op)])
            default:
                let (_, removed) = try editor.reset()
                reloader?.log("config_reset by '\(caller)'")
                return Self.done(["removed": .bool(removed), "reload": reload(op)])
            }
        } catch {
            let messages = error.diagnostics.map(\.description)
            return Self.error("invalid_config", SB_ERR_INVALID, messages.joined(separator: "; "),
                              data: .object(["errors": .array(messages.map(JSONValue.string))]))
        }
    }

    /// `provider.X` → `plugins.<plugin of active.provider>.config.X`; other keys as they are.
    func resolve(_ key: String, in config: HostConfig) throws(ConfigError) -> String {
        let at = SourceLocation(file: "config op", line: 1, column: 1)
        _ = try ConfigNode.keyPath(key, at: at)
        guard key.hasPrefix("provider.") else { return key }
        guard let provider = config.active.provider, let plugin = pluginOfComponent[provider] else {
            throw ConfigError(at, "\(key): no active provider offered by a loaded plugin")
        }
        return "plugins.\(plugin).config." + key.dropFirst("provider.".count)
    }

    private func reload(_ op: String) -> JSONValue { reloader?.reload(trigger: op).json ?? .null }

    static func redacted(_ value: JSONValue, key: String) -> JSONValue {
        ConfigRedaction.redact(value, key: key.split(separator: ".").last.map(String.init))
    }

    static func done(_ data: [String: JSONValue]) -> PluginEvent { PluginEvent(kind: .done, data: JSONValue.object(data).jsonText) }

    static func error(_ code: String, _ status: Int32, _ message: String, data: JSONValue = .object([:])) -> PluginEvent {
        PluginEvent(kind: .error, text: message, name: code, data: data.jsonText, status: status)
    }
}

extension ConfigurationReloader {
    func log(_ message: String) { servicesLogger.info("config", message) }
}
