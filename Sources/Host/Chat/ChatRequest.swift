import PluginABI

/// A `chat` host op, validated: one user message for one conversation.
struct ChatRequest: Sendable {
    var owner: String
    var requestID: String
    var text: String
    var conversationID: String?
    var model: String?
    var stream = true
    var toolName: String?
    /// History messages this turn may see, overriding the conversation's own memory limit.
    var memoryLimit: Int?
    /// Per-request model parameters (temperature, max_tokens, ...), passed to the provider.
    var options: [String: JSONValue] = [:]

    /// Keys a request may not set through `options`: the orchestrator owns them.
    static let reservedOptions: Set<String> = ["messages", "tools", "tool_choice", "stream", "model"]

    /// - Throws: `ComponentError(SB_ERR_INVALID)` naming the first bad field.
    init(_ json: JSONValue) throws(ComponentError) {
        let fields = try HostOpRequest.object(json)
        owner = try HostOpRequest.string(fields, "owner")
        requestID = try HostOpRequest.string(fields, "request_id")
        guard !requestID.isEmpty, requestID.utf8.count <= 200 else { throw HostOpRequest.invalid("request_id must be 1 to 200 characters") }
        text = try HostOpRequest.string(fields, "text")
        guard !text.isEmpty else { throw HostOpRequest.invalid("text must not be empty") }
        conversationID = try HostOpRequest.optionalString(fields, "conversation_id")
        model = try HostOpRequest.optionalString(fields, "model")
        toolName = try HostOpRequest.optionalString(fields, "tool_name")
        if let limit = fields["memory_limit"], limit != .null {
            guard let value = limit.intValue, value >= 1, value <= 10_000 else { throw HostOpRequest.invalid("memory_limit must be an integer from 1 to 10000") }
            memoryLimit = Int(value)
        }
        if let stream = fields["stream"] {
            guard case .bool(let value) = stream else { throw HostOpRequest.invalid("stream must be true or false") }
            self.stream = value
        }
        if let options = fields["options"] {
            guard case .object(let members) = options else { throw HostOpRequest.invalid("options must be an object") }
            if let reserved = members.keys.sorted().first(where: Self.reservedOptions.contains) {
                throw HostOpRequest.invalid("options.\(reserved) cannot be set per request")
            }
            self.options = members
        }
    }
}

/// Field readers for host op requests; each failure names the field.
enum HostOpRequest {
    static func invalid(_ message: String) -> ComponentError { ComponentError(status: SB_ERR_INVALID, message: message) }

    static func object(_ json: JSONValue) throws(ComponentError) -> [String: JSONValue] {
        guard case .object(let fields) = json else { throw invalid("the request must be a JSON object") }
        return fields
    }

    static func string(_ fields: [String: JSONValue], _ key: String) throws(ComponentError) -> String {
        guard let value = fields[key] else { throw invalid("\(key) is required") }
        guard case .string(let text) = value else { throw invalid("\(key) must be a string") }
        return text
    }

    static func optionalString(_ fields: [String: JSONValue], _ key: String) throws(ComponentError) -> String? {
        guard let value = fields[key], value != .null else { return nil }
        guard case .string(let text) = value else { throw invalid("\(key) must be a string") }
        return text.isEmpty ? nil : text
    }
}
