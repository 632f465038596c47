/// One dispatched server-sent event (WHATWG HTML, "Server-sent events", §9.2.6).
public struct SSEEvent: Equatable, Sendable {
    /// The `event:` field's value, or "message" when the event had none (or an empty one).
    public var type: String
    /// The `data:` lines joined with "\n", as UTF-8 bytes: JSON consumers read them without a
    /// decoding pass. Not validated; `text` decodes it, replacing invalid UTF-8 with U+FFFD.
    public var data: [UInt8]
    /// The last `id:` seen in the stream so far (it persists across events), or "".
    public var lastEventID: String

    /// An event with raw data bytes (as the parser builds it).
    public init(type: String = "message", data: [UInt8], lastEventID: String = "") {
        self.type = type
        self.data = data
        self.lastEventID = lastEventID
    }

    /// An event whose data is `text`'s UTF-8 (convenient in tests).
    public init(type: String = "message", text: String, lastEventID: String = "") {
        self.init(type: type, data: Array(text.utf8), lastEventID: lastEventID)
    }

    /// `data` decoded as UTF-8, as the spec's `MessageEvent.data` would be.
    public var text: String {
        String(decoding: data, as: UTF8.self)
    }
}
