import JSONSupport

/// Turns one text frame from a client into a `ClientCommand`, or the error to answer. Pure.
///
/// The dialect is the frame's own: `action` marks the action dialect, `type` the type dialect.
/// A frame that shows neither (or is not JSON) is answered in `fallback`, the dialect the
/// connection spoke last.
public enum ClientMessageParser {
    /// The longest request id accepted.
    public static let maxRequestIdBytes = 256

    /// Host ops a client may call by name, with their fields (docs/PROTOCOL.md).
    static let hostOps: [String: @Sendable (inout FieldReader) -> [String: JSONValue]] = [
        "list_conversations": { reader in
            fields(("limit", reader.integer("limit", in: 1...500).map(JSONValue.int)),
                   ("cursor", reader.string("cursor").map(JSONValue.string)))
        },
        "get_conversation": { reader in
            fields(("conversation_id", reader.string("conversation_id", required: true, nonEmpty: true).map(JSONValue.string)),
                   ("messages_limit", reader.integer("messages_limit", in: 1...100_000).map(JSONValue.int)))
        },
        "delete_conversation": conversationOnly,
        "unsave_conversation": conversationOnly,
        "save_conversation": { reader in
            fields(("conversation_id", reader.string("conversation_id", required: true, nonEmpty: true).map(JSONValue.string)),
                   ("name", reader.string("name", maxLength: 1024).map(JSONValue.string)))
        },
        "set_title": { reader in
            fields(("conversation_id", reader.string("conversation_id", required: true, nonEmpty: true).map(JSONValue.string)),
                   ("title", reader.string("title", required: true, maxLength: 1024).map(JSONValue.string)))
        },
        "list_catalog": { _ in [:] },
        "apply_prompt": { reader in
            fields(("name", reader.string("name", required: true, nonEmpty: true).map(JSONValue.string)),
                   ("arguments", reader.stringMap("arguments").map(JSONValue.object)),
                   ("conversation_id", reader.string("conversation_id", nonEmpty: true).map(JSONValue.string)),
                   ("source", reader.string("source").map(JSONValue.string)))
        },
        "read_resource": { reader in
            fields(("uri", reader.string("uri", required: true, nonEmpty: true).map(JSONValue.string)),
                   ("source", reader.string("source").map(JSONValue.string)))
        },
    ]

    /// Actions of the action dialect, for error messages.
    public static let actions: [String] = ["chat", "cancel", "resume", "clear_session"] + hostOps.keys.sorted()
    /// Types of the type dialect, for error messages.
    public static let types: [String] = ["user_message", "clear_history", "cancel", "resume", "save_session"] + hostOps.keys.sorted()

    /// Parses UTF-8 text (a complete text message).
    public static func parse(_ bytes: UnsafeRawBufferPointer, fallback: Dialect) -> Result<ClientCommand, ClientFailure> {
        let value: JSONValue
        do {
            value = try JSONValue.parse(utf8: bytes)
        } catch {
            return .failure(ClientFailure(dialect: fallback, requestId: nil, error: ClientError(
                code: 400, reason: "invalid_json", message: "the message is not valid JSON: \(error.message) at byte \(error.offset)")))
        }
        return parse(value, fallback: fallback)
    }

    /// Parses a decoded JSON message.
    public static func parse(_ value: JSONValue, fallback: Dialect) -> Result<ClientCommand, ClientFailure> {
        guard case .object(let frame) = value else {
            return .failure(ClientFailure(dialect: fallback, requestId: nil, error: ClientError(
                code: 400, reason: "invalid_request", message: "a message must be a JSON object")))
        }
        if frame["action"] != nil { return parseAction(frame) }
        if frame["type"] != nil { return parseType(frame) }
        return .failure(ClientFailure(dialect: fallback, requestId: nil, error: .invalid([
            .missing(fallback == .action ? "action" : "type")])))
    }

    // MARK: action dialect

    private static func parseAction(_ frame: [String: JSONValue]) -> Result<ClientCommand, ClientFailure> {
        var top = FieldReader(frame)
        let action = top.string("action", required: true, nonEmpty: true)
        let requestId = top.string("request_id", required: true, nonEmpty: true, maxLength: maxRequestIdBytes)
        let payload = top.object("payload") ?? [:]
        func fail(_ error: ClientError) -> Result<ClientCommand, ClientFailure> {
            .failure(ClientFailure(dialect: .action, requestId: requestId, error: error))
        }
        guard top.issues.isEmpty, let action, let requestId else { return fail(.invalid(top.issues)) }

        var reader = FieldReader(payload, prefix: "payload")
        let parsed: ClientCommand.Action
        switch action {
        case "chat":
            let text = reader.string("text", required: true, nonEmpty: true)
            let chat = ChatRequest(text: text ?? "", conversationId: reader.string("conversation_id", nonEmpty: true),
                                   model: reader.string("model", nonEmpty: true),
                                   stream: reader.bool("streaming") ?? reader.bool("stream"),
                                   options: reader.object("options"), toolName: reader.string("tool_name", nonEmpty: true))
            parsed = .chat(chat)
        case "resume":
            parsed = .resume(afterSeq: reader.integer("after_seq", in: 0...Int64.max) ?? 0)
        case "cancel":
            parsed = .cancel
        case "clear_session":
            parsed = .clearSession
        default:
            guard let op = hostOp(action, &reader) else {
                return fail(ClientError(code: 400, reason: "unknown_action",
                                        message: "unknown action '\(action.prefix(64))' (supported: \(actions.joined(separator: ", ")))"))
            }
            parsed = op
        }
        guard reader.issues.isEmpty else { return fail(.invalid(reader.issues)) }
        return .success(ClientCommand(dialect: .action, requestId: requestId, action: parsed))
    }

    // MARK: type dialect

    private static func parseType(_ frame: [String: JSONValue]) -> Result<ClientCommand, ClientFailure> {
        var reader = FieldReader(frame)
        let type = reader.string("type", required: true, nonEmpty: true)
        let requestId = reader.string("request_id", nonEmpty: true, maxLength: maxRequestIdBytes)
        func fail(_ error: ClientError) -> Result<ClientCommand, ClientFailure> {
            .failure(ClientFailure(dialect: .type, requestId: requestId, error: error))
        }
        guard reader.issues.isEmpty, let type else { return fail(.invalid(reader.issues)) }

        let parsed: ClientCommand.Action
        switch type {
        case "user_message":
            let text = reader.string("message", required: true, nonEmpty: true)
            parsed = .chat(ChatRequest(text: text ?? "", conversationId: reader.string("conversation_id", nonEmpty: true),
                                       model: reader.string("model", nonEmpty: true),
                                       stream: reader.bool("stream") ?? reader.bool("streaming"),
                                       options: reader.object("options"), toolName: reader.string("tool_name", nonEmpty: true)))
        case "clear_history":
            parsed = .clearSession
        case "cancel":
            parsed = .cancel
        case "resume":
            if requestId == nil { reader.issues.append(.missing("request_id")) }
            parsed = .resume(afterSeq: reader.integer("after_seq", in: 0...Int64.max) ?? 0)
        case "save_session":  // seed 001's name for saving the current conversation
            parsed = .hostOp(HostOpRequest(op: "save_conversation", fields: fields(
                ("conversation_id", reader.string("conversation_id", nonEmpty: true).map(JSONValue.string)),
                ("name", reader.string("name", maxLength: 1024).map(JSONValue.string))), usesCurrentConversation: true))
        default:
            guard let op = hostOp(type, &reader) else {
                return fail(ClientError(code: 400, reason: "unknown_type",
                                        message: "unknown message type '\(type.prefix(64))' (supported: \(types.joined(separator: ", ")))"))
            }
            parsed = op
        }
        guard reader.issues.isEmpty else { return fail(.invalid(reader.issues)) }
        return .success(ClientCommand(dialect: .type, requestId: requestId, action: parsed))
    }

    // MARK: helpers

    /// A host op passed through by its schema (the same in both dialects); nil when `name` is none.
    private static func hostOp(_ name: String, _ reader: inout FieldReader) -> ClientCommand.Action? {
        guard let schema = hostOps[name] else { return nil }
        return .hostOp(HostOpRequest(op: name, fields: schema(&reader), usesCurrentConversation: name == "apply_prompt"))
    }

    @Sendable private static func conversationOnly(_ reader: inout FieldReader) -> [String: JSONValue] {
        fields(("conversation_id", reader.string("conversation_id", required: true, nonEmpty: true).map(JSONValue.string)))
    }

    private static func fields(_ pairs: (String, JSONValue?)...) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for (key, value) in pairs { if let value { result[key] = value } }
        return result
    }
}
