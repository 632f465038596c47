import PluginABI

/// A Swift copy of one `sb_event`, made on the plugin's thread before the callback returns.
public struct PluginEvent: Sendable, Equatable {
    public enum Kind: UInt32, Sendable {
        case textDelta = 1, reasoningDelta, toolCall, usage, finish, progress, toolStatus, message, log
        case done = 100, error, cancelled
    }

    public var kind: Kind
    public var text: String = ""
    public var id: String = ""
    public var name: String = ""
    public var data: String = ""
    public var index: Int64 = 0
    public var status: Int32 = 0

    public init(kind: Kind, text: String = "", id: String = "", name: String = "", data: String = "",
                index: Int64 = 0, status: Int32 = 0) {
        (self.kind, self.text, self.id, self.name, self.data, self.index, self.status) = (kind, text, id, name, data, index, status)
    }

    /// Copies a C event; nil for an unknown kind (a newer plugin's event this host cannot use).
    init?(_ event: UnsafePointer<sb_event>) {
        // Read only the fields the producer's struct has (rule: read within struct_size).
        var copy = sb_event()
        withUnsafeMutableBytes(of: &copy) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: event, count: min(Int(event.pointee.struct_size), dst.count)))
        }
        guard let kind = Kind(rawValue: copy.kind) else { return nil }
        self.kind = kind
        text = String(slice: copy.text)
        id = String(slice: copy.id)
        name = String(slice: copy.name)
        data = String(slice: copy.data)
        index = copy.index
        status = copy.status
    }

    public var isTerminal: Bool { kind.rawValue >= Kind.done.rawValue }
}

extension String {
    /// Decodes a borrowed `sb_str`; invalid UTF-8 is repaired, absent slices are "".
    init(slice: sb_str) {
        guard let pointer = slice.ptr, slice.len > 0 else { self = ""; return }
        self = pointer.withMemoryRebound(to: UInt8.self, capacity: slice.len) {
            String(decoding: UnsafeBufferPointer(start: $0, count: slice.len), as: UTF8.self)
        }
    }
}
