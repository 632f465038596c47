import PluginABI
import WebSocketProtocol

extension HostEvent {
    /// A host event as the transport sees it: its slices point into the host's memory, valid for
    /// the callback only. Nil for a kind this plugin does not know (a newer host's event).
    init?(_ event: UnsafePointer<sb_event>) {
        // Read only the fields the host's struct has (switchboard.h: structs grow at the end).
        var copy = sb_event()
        withUnsafeMutableBytes(of: &copy) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: event, count: min(Int(event.pointee.struct_size), target.count)))
        }
        guard let kind = Kind(rawValue: copy.kind) else { return nil }
        self.init(kind: kind, text: copy.text.bytes, id: copy.id.bytes, name: copy.name.bytes,
                  data: copy.data.bytes, index: copy.index, status: copy.status)
    }
}

extension sb_str {
    /// The slice as raw bytes (empty when absent).
    var bytes: UnsafeRawBufferPointer {
        guard let ptr, len > 0 else { return HostEvent.empty }
        return UnsafeRawBufferPointer(start: ptr, count: len)
    }
}
