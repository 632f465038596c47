import JSONSupport

/// One host op an HTTP request runs, and how its `DONE` data becomes the response.
public struct HTTPHostCall: Sendable {
    /// How the result is shaped for the client.
    public enum Shape: Sendable, Equatable {
        case createdSession, sessionList, session(String), deletedSession(String)
        /// A chat turn's JSON reply (or, when `stream`, its SSE stream).
        case message(sessionId: String)
        case health, metrics, config, servers, restarted
        /// A runtime-configuration op's answer (config_get/set/unset/reset of one key).
        case configChange
    }

    public var op: String
    public var request: JSONValue
    public var shape: Shape
    /// Send the turn as an SSE stream (`Accept: text/event-stream`).
    public var stream = false
    /// A `get_conversation` to run first: an unknown session answers 404 instead of starting a new one.
    public var precheck: JSONValue?

    public init(op: String, request: JSONValue, shape: Shape, stream: Bool = false, precheck: JSONValue? = nil) {
        (self.op, self.request, self.shape, self.stream, self.precheck) = (op, request, shape, stream, precheck)
    }

    /// Whether the call runs a model turn (the key's token budgets apply).
    public var runsTurn: Bool { op == "chat" }
}
