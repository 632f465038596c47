/// Turns a chat turn's host events into Server-Sent Events that mirror the WebSocket action
/// dialect: each event is `event: NAME` and `data: FRAME`, where FRAME is exactly the frame a
/// WebSocket client would get and NAME its `status` (`processing`, `chunk`, `completed`,
/// `error`, `cancelled`). Pure; one encoder per request (see `RelayEncoder` for threading).
public struct SSEEncoder: Sendable {
    private var relay: RelayEncoder
    private var scratch = FrameBuffer(headroom: 0)

    public init(requestId: String) {
        relay = RelayEncoder(dialect: .action, requestId: requestId, stream: .turn, legacyComplete: false)
    }

    /// Appends the event's SSE text as one frame of `frames` (none for events with no frame).
    public mutating func encode(_ event: HostEvent, into frames: inout FrameBuffer) {
        scratch.reset()
        relay.encode(event, into: &scratch)
        let name = Self.name(of: event)
        for frame in scratch.frames {
            frames.beginFrame()
            frames.appendRaw("event: ")
            frames.appendRaw(Array(name.utf8))
            frames.appendRaw("\ndata: ")
            frames.appendRaw(Array(frame.utf8))  // compact JSON: no newlines inside
            frames.appendRaw("\n\n")
            frames.endFrame()
        }
    }

    static func name(of event: HostEvent) -> String {
        switch event.kind {
        case .message where HostEvent.string(event.name) == "turn": return "processing"
        case .done: return "completed"
        case .error: return "error"
        case .cancelled: return "cancelled"
        default: return "chunk"
        }
    }
}
