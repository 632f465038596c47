import JSONSupport

/// Turns the events of one host op into the frames of one client request, in the client's
/// dialect (docs/PROTOCOL.md has every shape). Every frame is compact JSON with its keys in
/// sorted order. Streamed deltas take a fast path that copies the provider's bytes once; the
/// rarer events (turn, tool status, usage, the end) are built as `JSONValue`s.
///
/// Threading: one encoder per request; the host never delivers two events of one op at once,
/// and the caller holds the connection's lock while encoding into its send queue.
public struct RelayEncoder: Sendable {
    /// What the request streams.
    public enum Stream: Sendable, Equatable {
        /// A chat turn or its resumption: processing, chunks, then completed/error/cancelled.
        case turn
        /// Any other host op: one result (or error) frame. `op` names it in the type dialect.
        case result(op: String)
    }

    public let dialect: Dialect
    public let requestId: String
    public let stream: Stream
    /// Action dialect: also send the `"status": "complete"` frame the seed clients wait for.
    public let legacyComplete: Bool
    /// Type dialect: send `assistant_chunk` frames for text and reasoning deltas.
    public let deltas: Bool

    private let requestIdJSON: [UInt8]
    // The type dialect's assistant_message is the whole reply: collected here.
    private var text: [UInt8] = []
    private var thinking: [UInt8] = []
    private var turn: [String: JSONValue] = [:]
    private var usage: JSONValue?
    private var finishReason: String?

    public init(dialect: Dialect, requestId: String, stream: Stream, legacyComplete: Bool = true, deltas: Bool = true) {
        (self.dialect, self.requestId, self.stream, self.legacyComplete, self.deltas) = (dialect, requestId, stream, legacyComplete, deltas)
        var quoted = FrameBuffer(headroom: 0)
        quoted.appendString(requestId)
        requestIdJSON = quoted.storage
    }

    /// Appends the frames for `event` (zero, one or two) to `frames`.
    /// - Returns: the conversation id the event revealed (the turn's first event, a DONE), if any.
    @discardableResult
    public mutating func encode(_ event: HostEvent, into frames: inout FrameBuffer) -> String? {
        switch stream {
        case .turn: return encodeTurn(event, into: &frames)
        case .result(let op): return encodeResult(event, op: op, into: &frames)
        }
    }

    // MARK: chat and resume

    private mutating func encodeTurn(_ event: HostEvent, into frames: inout FrameBuffer) -> String? {
        switch event.kind {
        case .textDelta, .reasoningDelta:
            let reasoning = event.kind == .reasoningDelta
            if dialect == .type {
                if reasoning { thinking.append(contentsOf: event.text) } else { text.append(contentsOf: event.text) }
                guard deltas else { return nil }
            }
            appendDelta(event, reasoning: reasoning, into: &frames)
        case .message:
            let data = event.dataJSON
            let name = HostEvent.string(event.name)
            if name == "turn", case .object(var members)? = data {
                members["request_id"] = nil
                turn = members
                append(members, status: "processing", type: "turn_started", seq: event.index, into: &frames)
                return members["conversation_id"]?.stringValue
            }
            append(chunk: ["type": .string("message"), "name": .string(name), "data": data ?? .null], seq: event.index, into: &frames)
        case .toolStatus:
            var chunk: [String: JSONValue] = [:]
            if case .object(let members)? = event.dataJSON { chunk = members }
            chunk["tool_call_id"] = .string(HostEvent.string(event.id))
            chunk["tool_name"] = .string(HostEvent.string(event.name))
            chunk["status"] = .string(HostEvent.string(event.text))
            if dialect == .type {
                append(chunk, status: "", type: "tool_execution", seq: event.index, into: &frames)
            } else {
                chunk["type"] = .string("tool_execution")
                append(chunk: chunk, seq: event.index, into: &frames)
            }
        case .toolCall:
            append(chunk: ["type": .string("tool_call"), "tool_call_id": .string(HostEvent.string(event.id)),
                           "tool_name": .string(HostEvent.string(event.name)), "arguments": event.dataJSON ?? .null],
                   seq: event.index, into: &frames, typeDialectName: "tool_call")
        case .usage:
            usage = event.dataJSON
            if dialect == .type {
                append(["usage": usage ?? .null], status: "", type: "usage", seq: event.index, into: &frames)
            } else {
                append(chunk: ["type": .string("usage"), "data": usage ?? .null], seq: event.index, into: &frames)
            }
        case .finish:
            finishReason = HostEvent.string(event.text)
            if dialect == .action {
                append(chunk: ["type": .string("finish"), "data": .string(finishReason ?? "")], seq: event.index, into: &frames)
            }
        case .progress:
            append(chunk: ["type": .string("progress"), "tool_name": .string(HostEvent.string(event.name)), "data": event.dataJSON ?? .null],
                   seq: event.index, into: &frames, typeDialectName: "progress")
        case .log:
            break
        case .done:
            let result = event.dataJSON ?? .object([:])
            if dialect == .type {
                appendAssistantMessage(result, seq: event.index, into: &frames)
            } else {
                var metadata: [String: JSONValue] = [:]
                if let tokens = result["usage"]?["total_tokens"] ?? usage?["total_tokens"] { metadata["tokens"] = tokens }
                if let conversation = result["conversation_id"] ?? turn["conversation_id"] { metadata["conversation_id"] = conversation }
                append(["result": result, "metadata": .object(metadata)], status: "completed", type: "", seq: event.index, into: &frames)
                if legacyComplete {
                    append(["metadata": .object(metadata)], status: "complete", type: "", seq: event.index, into: &frames)
                }
            }
            return result["conversation_id"]?.stringValue
        case .error:
            appendError(event, into: &frames)
        case .cancelled:
            append([:], status: "cancelled", type: "cancelled", seq: event.index, into: &frames)
        }
        return nil
    }

    /// The fast path: `{"chunk":{"data":"...","type":"text"},"request_id":"R","seq":N,"status":"chunk"}`
    /// (type dialect: `..."type":"assistant_chunk"}`), written straight into the frame.
    private func appendDelta(_ event: HostEvent, reasoning: Bool, into frames: inout FrameBuffer) {
        frames.beginFrame()
        frames.appendRaw("{\"chunk\":{\"data\":")
        frames.appendString(event.text)
        frames.appendRaw(reasoning ? ",\"type\":\"reasoning\"},\"request_id\":" : ",\"type\":\"text\"},\"request_id\":")
        frames.appendRaw(requestIdJSON)
        if event.index > 0 {
            frames.appendRaw(",\"seq\":")
            frames.appendInt(event.index)
        }
        frames.appendRaw(dialect == .action ? ",\"status\":\"chunk\"}" : ",\"type\":\"assistant_chunk\"}")
        frames.endFrame()
    }

    private mutating func appendAssistantMessage(_ result: JSONValue, seq: Int64, into frames: inout FrameBuffer) {
        var message = String(decoding: text, as: UTF8.self)
        var reasoning = String(decoding: thinking, as: UTF8.self)
        // The host's DONE carries the whole stored reply: prefer it (a resumed request saw only part of the deltas).
        switch result["message"] {
        case .string(let whole)?: message = whole
        case .object(let stored)?:
            if case .string(let content)? = stored["content"] { message = content }
            if case .string(let storedReasoning)? = stored["reasoning"], !storedReasoning.isEmpty { reasoning = storedReasoning }
        default: break
        }
        var fields: [String: JSONValue] = ["message": .string(message)]
        if !reasoning.isEmpty { fields["thinking"] = .string(reasoning) }
        if let usage = result["usage"] ?? usage { fields["usage"] = usage }
        for key in ["conversation_id", "model", "provider"] { if let value = result[key] ?? turn[key] { fields[key] = value } }
        if let reason = result["finish_reason"] ?? finishReason.map(JSONValue.string) { fields["finish_reason"] = reason }
        if let hops = result["tool_hops"] { fields["tool_hops"] = hops }
        append(fields, status: "", type: "assistant_message", seq: seq, into: &frames)
        text = []
        thinking = []
    }

    // MARK: other host ops

    private func encodeResult(_ event: HostEvent, op: String, into frames: inout FrameBuffer) -> String? {
        switch event.kind {
        case .done:
            let result = event.dataJSON ?? .object([:])
            if dialect == .action {
                append(["result": result], status: "completed", type: "", seq: 0, into: &frames)
            } else {
                append(["op": .string(op), "result": result], status: "", type: "result", seq: 0, into: &frames)
            }
            return result["conversation_id"]?.stringValue
        case .error:
            appendError(event, into: &frames)
        case .cancelled:
            append([:], status: "cancelled", type: "cancelled", seq: event.index, into: &frames)
        default:
            break  // progress of a long op: nothing to show
        }
        return nil
    }

    // MARK: frames

    private func appendError(_ event: HostEvent, into frames: inout FrameBuffer) {
        var reason = HostEvent.string(event.name)
        if reason.isEmpty { reason = ClientError.reason(forStatus: event.status) }
        var message = HostEvent.string(event.text)
        if message.isEmpty { message = reason.split(separator: "_").joined(separator: " ") }
        let error = ClientError(code: ClientError.code(forHostReason: reason, status: event.status), reason: reason,
                                message: message, details: event.dataJSON)
        ReplyFrames.appendError(error, dialect: dialect, requestId: requestId, seq: event.index, into: &frames)
    }

    /// A chunk frame: `{"chunk": {...}, "request_id", "seq", "status": "chunk"}`; in the type dialect the
    /// chunk's fields stand in the frame itself, whose `type` is `typeDialectName`.
    private func append(chunk: [String: JSONValue], seq: Int64, into frames: inout FrameBuffer, typeDialectName: String = "chunk") {
        if dialect == .action {
            append(["chunk": .object(chunk)], status: "chunk", type: "", seq: seq, into: &frames)
        } else {
            var fields = chunk
            fields["type"] = nil
            append(fields, status: "", type: typeDialectName, seq: seq, into: &frames)
        }
    }

    /// One frame of `fields` plus the request id, the sequence number (when the event has one) and
    /// the action dialect's `status` or the type dialect's `type`.
    private func append(_ fields: [String: JSONValue], status: String, type: String, seq: Int64, into frames: inout FrameBuffer) {
        var object = fields
        object["request_id"] = .string(requestId)
        if seq > 0 { object["seq"] = .int(seq) }
        if dialect == .action { object["status"] = .string(status) } else { object["type"] = .string(type) }
        frames.beginFrame()
        frames.appendJSON(.object(object))
        frames.endFrame()
    }
}
