import JSONSupport

/// A borrowed view of one event of a host op (`sb_event`): what the host sends back for a
/// submitted `chat`, `resume`, `list_conversations`, ... The slices are valid only while the
/// event is being handled (the host's `on_event` call); encoders copy what they keep.
public struct HostEvent {
    /// `SB_EVENT_*` kinds (switchboard.h); unknown kinds are skipped by the encoders.
    public enum Kind: UInt32, Sendable {
        case textDelta = 1, reasoningDelta, toolCall, usage, finish, progress, toolStatus, message, log
        case done = 100, error, cancelled
    }

    public var kind: Kind
    public var text: UnsafeRawBufferPointer
    public var id: UnsafeRawBufferPointer
    public var name: UnsafeRawBufferPointer
    public var data: UnsafeRawBufferPointer
    /// The event's sequence number within its request (chat, resume); 0 when it has none.
    public var index: Int64
    /// `sb_status` of an ERROR event.
    public var status: Int32

    public init(kind: Kind, text: UnsafeRawBufferPointer = Self.empty, id: UnsafeRawBufferPointer = Self.empty,
                name: UnsafeRawBufferPointer = Self.empty, data: UnsafeRawBufferPointer = Self.empty,
                index: Int64 = 0, status: Int32 = 0) {
        (self.kind, self.text, self.id, self.name, self.data, self.index, self.status) = (kind, text, id, name, data, index, status)
    }

    public static var empty: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: nil, count: 0) }

    public var isTerminal: Bool { kind.rawValue >= Kind.done.rawValue }

    /// A slice as a Swift string (invalid UTF-8 repaired).
    public static func string(_ slice: UnsafeRawBufferPointer) -> String {
        String(decoding: slice, as: UTF8.self)
    }

    /// The `data` slice parsed as JSON; nil when absent or malformed.
    public var dataJSON: JSONValue? {
        guard data.count > 0 else { return nil }
        return try? JSONValue.parse(utf8: data)
    }

    /// Calls `body` with an event whose slices point into the given strings (tests, and frames
    /// the transport makes up itself).
    public static func with<R>(_ kind: Kind, text: String = "", id: String = "", name: String = "", data: String = "",
                               index: Int64 = 0, status: Int32 = 0, _ body: (HostEvent) -> R) -> R {
        var text = text, id = id, name = name, data = data
        return text.withUTF8 { t in id.withUTF8 { i in name.withUTF8 { n in data.withUTF8 { d in
            body(HostEvent(kind: kind, text: UnsafeRawBufferPointer(t), id: UnsafeRawBufferPointer(i),
                           name: UnsafeRawBufferPointer(n), data: UnsafeRawBufferPointer(d), index: index, status: status))
        } } } }
    }
}
