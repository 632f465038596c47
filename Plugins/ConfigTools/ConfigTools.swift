import JSONSupport
import PluginABI
import PluginKit
import Synchronization

/// The `config_tools` tool source: `list_settings`, `get_setting {key}` and `set_setting {key, value}`
/// over an allow-list of runtime settings (config block `settings`, default `provider.model`,
/// `provider.temperature`, `chat.system_prompt`). Any other key is refused with a tool error.
/// Reads and writes go through the host's `config_get` and `config_set` ops, so a change is
/// validated, written to the runtime overrides file and applied like any other (next turn on).
///
/// Threading: `start` may run on any thread; a `get_setting`/`set_setting` call finishes on the
/// host's configuration thread when the host op's terminal event arrives.
final class ConfigTools: ComponentImplementation {
    static let defaultSettings = ["provider.model", "provider.temperature", "chat.system_prompt"]

    private let context: CreateContext
    private let allowed: Mutex<[String]>

    init(context: CreateContext) throws(PluginError) {
        self.context = context
        allowed = Mutex(try Self.settings(context.configJSON))
    }

    static func settings(_ json: String) throws(PluginError) -> [String] {
        guard case .object(let block)? = try? JSONValue.parse(json) else { throw .invalid("the config block must be a JSON object") }
        if let unknown = block.keys.sorted().first(where: { $0 != "settings" }) { throw .invalid("unknown key '\(unknown)' (config_tools takes \"settings\")") }
        switch block["settings"] {
        case nil, .null?: return defaultSettings
        case .array(let items)?:
            let keys = items.compactMap(\.stringValue)
            guard keys.count == items.count, keys.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.hasSuffix(".") }) else {
                throw .invalid("settings must be a list of dotted keys, such as [provider.model, chat.system_prompt]")
            }
            return keys
        default: throw .invalid("settings must be a list of dotted keys, such as [provider.model, chat.system_prompt]")
        }
    }

    func reconfigure(configJSON: String) throws(PluginError) {
        let keys = try Self.settings(configJSON)
        allowed.withLock { $0 = keys }
    }

    func describe() -> String? { #"{"state":"up"}"# }

    func start(_ operation: PluginKit.Operation) throws(PluginError) {
        switch operation.op {
        case "list": operation.succeed(result: catalog(allowed.withLock { $0 }).jsonText)
        case "call_tool":
            guard let request = try? JSONValue.parse(operation.request), case .string(let name)? = request["name"] else {
                throw .invalid("call_tool needs {\"name\": \"...\", \"arguments\": {...}}")
            }
            let arguments = request["arguments"] ?? .object([:])
            call(name, arguments, operation)
        default:
            throw .unsupported("config_tools supports the ops \"list\" and \"call_tool\"")
        }
    }

    private func call(_ name: String, _ arguments: JSONValue, _ operation: PluginKit.Operation) {
        let keys = allowed.withLock { $0 }
        switch name {
        case "list_settings":
            operation.succeed(result: ToolJSON.result("Settings you may read and change: " + keys.joined(separator: ", "),
                                                  structured: .object(["settings": .array(keys.map(JSONValue.string))])).jsonText)
        case "get_setting", "set_setting":
            guard case .string(let key)? = arguments["key"], !key.isEmpty else {
                return operation.succeed(result: ToolJSON.result("argument 'key' is required (one of: \(keys.joined(separator: ", ")))", isError: true).jsonText)
            }
            guard keys.contains(key) else {
                return operation.succeed(result: ToolJSON.result("'\(key.prefix(200))' is not a setting you may \(name == "get_setting" ? "read" : "change") (allowed: \(keys.joined(separator: ", ")))", isError: true).jsonText)
            }
            var request: [String: JSONValue] = ["key": .string(key)]
            if name == "set_setting" {
                guard let value = arguments["value"] else {
                    return operation.succeed(result: ToolJSON.result("argument 'value' is required", isError: true).jsonText)
                }
                request["value"] = value
            }
            let pending = Unmanaged.passRetained(PendingRequest(operation: operation, key: key, isSet: name == "set_setting")).toOpaque()
            if case .failure(let error) = context.submit(name == "set_setting" ? "config_set" : "config_get",
                                                          request: JSONValue.object(request).jsonText, onEvent: PendingRequest.onEvent, user: pending) {
                Unmanaged<PendingRequest>.fromOpaque(pending).release()
                operation.succeed(result: ToolJSON.result("the host did not take the request: \(error.message)", isError: true).jsonText)
            }
        default:
            operation.succeed(result: ToolJSON.result("unknown tool '\(name.prefix(100))' (config_tools has list_settings, get_setting and set_setting)", isError: true).jsonText)
        }
    }

    func catalog(_ keys: [String]) -> JSONValue {
        let keySchema: JSONValue = .object(["type": .string("string"), "enum": .array(keys.map(JSONValue.string)),
                                            "description": .string("the setting's dotted key")])
        return .object(["tools": .array([
            ToolJSON.tool("list_settings", "Lists the runtime settings you may read and change", properties: [:], required: []),
            ToolJSON.tool("get_setting", "Reads the current value of a runtime setting", properties: ["key": keySchema], required: ["key"]),
            ToolJSON.tool("set_setting", "Changes a runtime setting; it is validated, saved, and applies from the next turn on",
                      properties: ["key": keySchema,
                                   "value": .object(["description": .string("the new value: a number for numeric settings, text for text")])],
                      required: ["key", "value"]),
        ])])
    }
}

/// One tool call waiting for its host op; retained until the op's terminal event.
final class PendingRequest: Sendable {
    let operation: PluginKit.Operation
    let key: String
    let isSet: Bool

    init(operation: PluginKit.Operation, key: String, isSet: Bool) { (self.operation, self.key, self.isSet) = (operation, key, isSet) }

    static let onEvent: sb_event_fn = { user, event in
        guard let user, let event else { return SB_ERR_INVALID }
        guard event.pointee.kind >= UInt32(SB_EVENT_DONE) else { return SB_OK }
        let pending = Unmanaged<PendingRequest>.fromOpaque(user).takeRetainedValue()
        func text(_ slice: sb_str) -> String {
            guard let pointer = slice.ptr, slice.len > 0 else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: pointer, count: slice.len), as: UTF8.self)
        }
        pending.finish(kind: event.pointee.kind, message: text(event.pointee.text), data: text(event.pointee.data))
        return SB_OK
    }

    func finish(kind: UInt32, message: String, data: String) {
        guard kind == UInt32(SB_EVENT_DONE), let result = try? JSONValue.parse(data) else {
            let reason = kind == UInt32(SB_EVENT_CANCELLED) ? "cancelled" : message
            return operation.succeed(result: ToolJSON.result("\(isSet ? "could not change" : "could not read") \(key): \(reason)", isError: true).jsonText)
        }
        let value = result["value"] ?? .null
        guard isSet else {
            return operation.succeed(result: ToolJSON.result("\(key) = \(value.jsonText)", structured: .object(["key": .string(key), "value": value])).jsonText)
        }
        let reload = result["reload"] ?? .null
        let refused = Self.strings(reload["errors"])
        let restart = Self.strings(reload["restart_needed"])
        var text = "\(key) set to \(value.jsonText)"
        if !refused.isEmpty {
            text += ", but it was not applied: " + refused.joined(separator: "; ")
        } else if !restart.isEmpty {
            text += "; it takes effect after a restart"
        } else {
            text += "; it applies from the next turn"
        }
        operation.succeed(result: ToolJSON.result(text, isError: !refused.isEmpty, structured: result).jsonText)
    }

    static func strings(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap(\.stringValue)
    }
}
