/// Parses a `text/event-stream` body (the WHATWG server-sent events format) incrementally.
///
/// Feed it chunks as they arrive, split anywhere; it returns each event when its blank line
/// arrives. Lines end with LF, CRLF or CR; `:` lines are comments (keep-alives); `id` sets
/// `lastEventID` (kept for reconnecting with `Last-Event-ID`); `retry` sets the reconnection
/// delay. An event whose data exceeds `maxEventBytes` is dropped and counted, so a server
/// cannot make the client buffer without bound. Pure; not thread-safe (one stream, one parser).
public struct SSEParser: Sendable {
    public struct Event: Sendable, Equatable {
        /// `event:` field; "message" when absent.
        public var type: String
        public var data: String
        /// The last event id at the time of this event (ids persist across events).
        public var id: String?

        public init(type: String = "message", data: String, id: String? = nil) {
            (self.type, self.data, self.id) = (type, data, id)
        }
    }

    public let maxEventBytes: Int
    public private(set) var lastEventID: String?
    /// The server's `retry:` in milliseconds, if it sent one.
    public private(set) var retryMilliseconds: Int?
    /// Events dropped for exceeding `maxEventBytes`.
    public private(set) var droppedEvents = 0

    private var line: [UInt8] = []
    private var lineTooLong = false
    private var afterCR = false
    private var data: [UInt8] = []
    private var hasData = false
    private var type = ""
    private var oversized = false

    public init(maxEventBytes: Int = 16 << 20) { self.maxEventBytes = max(16, maxEventBytes) }

    /// Feeds the next chunk of the body; returns the events it completed, in order.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer) -> [Event] {
        var events: [Event] = []
        for byte in chunk {
            if afterCR {
                afterCR = false
                if byte == UInt8(ascii: "\n") { continue }  // the LF of a CRLF
            }
            switch byte {
            case UInt8(ascii: "\r"):
                afterCR = true
                finishLine(into: &events)
            case UInt8(ascii: "\n"):
                finishLine(into: &events)
            default:
                if line.count < maxEventBytes { line.append(byte) } else { lineTooLong = true }
            }
        }
        return events
    }

    /// Convenience for tests and small bodies.
    public mutating func feed(_ text: String) -> [Event] {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { feed(UnsafeRawBufferPointer($0)) }
    }

    private mutating func finishLine(into events: inout [Event]) {
        defer {
            line.removeAll(keepingCapacity: line.count <= 4096)
            lineTooLong = false
        }
        if line.isEmpty {
            dispatch(into: &events)
            return
        }
        if line[0] == UInt8(ascii: ":") { return }  // comment
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = String(decoding: line[..<(colon ?? line.endIndex)], as: UTF8.self)
        var valueStart = colon.map { $0 + 1 } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch field {
        case "data":
            if lineTooLong || data.count + value.count + 1 > maxEventBytes { oversized = true }
            if !oversized {
                if hasData { data.append(UInt8(ascii: "\n")) }
                data.append(contentsOf: value)
            }
            hasData = true
        case "event":
            type = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), value.count < 10 {
                retryMilliseconds = Int(String(decoding: value, as: UTF8.self))
            }
        default:
            break  // unknown fields are ignored
        }
    }

    private mutating func dispatch(into events: inout [Event]) {
        defer {
            data.removeAll(keepingCapacity: data.count <= 65_536)
            hasData = false
            type = ""
            oversized = false
        }
        guard hasData else { return }
        if oversized {
            droppedEvents += 1
            return
        }
        events.append(Event(type: type.isEmpty ? "message" : type, data: String(decoding: data, as: UTF8.self), id: lastEventID))
    }
}
