import JSONSupport

/// Frames the transport answers by itself, without the host: errors it detects (bad input,
/// limits), and the acknowledgement of clearing the current conversation. Pure.
public enum ReplyFrames {
    /// An error frame.
    /// - action: `{"error": {"code", "message", "reason", "data"?}, "request_id", "seq"?, "status": "error"}`
    ///   (`request_id` is null when the frame had none we could read);
    /// - type: `{"error_code", "error_message", "details"?, "request_id"?, "seq"?, "type": "error"}`.
    public static func appendError(_ error: ClientError, dialect: Dialect, requestId: String?, seq: Int64 = 0, into frames: inout FrameBuffer) {
        var object: [String: JSONValue]
        switch dialect {
        case .action:
            var body: [String: JSONValue] = ["code": .int(Int64(error.code)), "message": .string(error.message), "reason": .string(error.reason)]
            if let data = error.data { body["data"] = data }
            object = ["status": .string("error"), "error": .object(body), "request_id": requestId.map(JSONValue.string) ?? .null]
        case .type:
            object = ["type": .string("error"), "error_code": .string(error.typeDialectCode), "error_message": .string(error.message)]
            if let data = error.data { object["details"] = data }
            if let requestId { object["request_id"] = .string(requestId) }
        }
        if seq > 0 { object["seq"] = .int(seq) }
        frames.beginFrame()
        frames.appendJSON(.object(object))
        frames.endFrame()
    }

    /// The answer to `clear_session` / `clear_history`.
    /// - action: `{"request_id", "result": {"cleared": true}, "status": "completed"}`;
    /// - type: `{"type": "session_cleared"}` (with the request id when the client sent one).
    public static func appendCleared(dialect: Dialect, requestId: String?, into frames: inout FrameBuffer) {
        var object: [String: JSONValue]
        switch dialect {
        case .action:
            object = ["status": .string("completed"), "result": .object(["cleared": .bool(true)]), "request_id": requestId.map(JSONValue.string) ?? .null]
        case .type:
            object = ["type": .string("session_cleared")]
            if let requestId { object["request_id"] = .string(requestId) }
        }
        frames.beginFrame()
        frames.appendJSON(.object(object))
        frames.endFrame()
    }
}
