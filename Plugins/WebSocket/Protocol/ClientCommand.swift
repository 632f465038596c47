import JSONSupport

/// Which of the two client protocols a frame speaks (docs/PROTOCOL.md).
public enum Dialect: Sendable, Equatable {
    /// `{"action", "request_id", "payload"}` frames, answered with `{"request_id", "status", ...}`.
    case action
    /// `{"type": "user_message", "message"}` frames, answered with `{"type": "assistant_message", ...}`.
    case type
}

/// One validated client request.
public struct ClientCommand: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        /// One chat turn (host op `chat`).
        case chat(ChatRequest)
        /// Replays a request's events after `afterSeq`, then follows it live (host op `resume`).
        case resume(afterSeq: Int64)
        /// Cancels `requestId` (nil in the type dialect: every running turn of the connection).
        case cancel
        /// Forgets the connection's current conversation.
        case clearSession
        /// A conversation or catalog op passed to the host with the client's fields.
        case hostOp(HostOpRequest)
    }

    public var dialect: Dialect
    /// The client's id for the request; nil when a type-dialect client gave none.
    public var requestId: String?
    public var action: Action

    public init(dialect: Dialect, requestId: String?, action: Action) {
        (self.dialect, self.requestId, self.action) = (dialect, requestId, action)
    }
}

/// The fields of a chat turn.
public struct ChatRequest: Sendable, Equatable {
    public var text: String
    /// nil: continue the connection's current conversation (or start one).
    public var conversationId: String?
    public var model: String?
    /// The client's streaming wish; nil: the host's default.
    public var stream: Bool?
    public var options: [String: JSONValue]?
    public var toolName: String?

    public init(text: String, conversationId: String? = nil, model: String? = nil, stream: Bool? = nil,
                options: [String: JSONValue]? = nil, toolName: String? = nil) {
        (self.text, self.conversationId, self.model, self.stream, self.options, self.toolName) = (text, conversationId, model, stream, options, toolName)
    }

    /// The host's `chat` request (docs/PLUGINS.md, "Host ops").
    public func hostRequest(owner: String, requestId: String, conversationId: String?) -> JSONValue {
        var request: [String: JSONValue] = ["owner": .string(owner), "request_id": .string(requestId), "text": .string(text)]
        if let conversationId { request["conversation_id"] = .string(conversationId) }
        if let model { request["model"] = .string(model) }
        if let stream { request["stream"] = .bool(stream) }
        if let options { request["options"] = .object(options) }
        if let toolName { request["tool_name"] = .string(toolName) }
        return .object(request)
    }
}

/// A host op other than chat and resume, with the client's (validated) fields.
public struct HostOpRequest: Sendable, Equatable {
    /// The host op name (`list_conversations`, `apply_prompt`, ...).
    public var op: String
    public var fields: [String: JSONValue]
    /// True when a missing `conversation_id` means the connection's current conversation.
    public var usesCurrentConversation: Bool

    public init(op: String, fields: [String: JSONValue], usesCurrentConversation: Bool = false) {
        (self.op, self.fields, self.usesCurrentConversation) = (op, fields, usesCurrentConversation)
    }

    /// The host request: the fields plus `owner` (and the current conversation when one applies).
    public func hostRequest(owner: String, currentConversation: String?) -> JSONValue {
        var request = fields
        request["owner"] = .string(owner)
        if usesCurrentConversation, request["conversation_id"] == nil, let currentConversation {
            request["conversation_id"] = .string(currentConversation)
        }
        return .object(request)
    }
}

/// A frame that could not be turned into a command: the error to answer, in the dialect and
/// with the request id the frame carried (when it carried them).
public struct ClientFailure: Error, Sendable, Equatable {
    public var dialect: Dialect
    public var requestId: String?
    public var error: ClientError

    public init(dialect: Dialect, requestId: String?, error: ClientError) {
        (self.dialect, self.requestId, self.error) = (dialect, requestId, error)
    }
}
