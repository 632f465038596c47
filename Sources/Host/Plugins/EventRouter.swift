import PluginABI
import Synchronization

/// Delivers events from plugin threads into `EventChannel`s, or straight on to another plugin.
///
/// The `user` pointer a plugin gets is not an object address but a ticket number looked up here,
/// so an event for an operation that already ended (a misbehaving plugin) is dropped rather than
/// delivered into freed memory (the weak-handle rule Envoy uses for its scheduler).
final class EventRouter: Sendable {
    static let shared = EventRouter()

    /// Where a ticket's events go: into a Swift stream, or straight on to another plugin.
    enum Destination: Sendable {
        case channel(EventChannel)
        case sink(any EventForwarder)
    }

    private let destinations = Mutex<[UInt: Destination]>([:])
    private let nextTicket = Atomic<UInt>(1)

    /// Registers a destination and returns the `user` token that routes events to it.
    func register(_ destination: Destination) -> UnsafeMutableRawPointer {
        let ticket = nextTicket.wrappingAdd(1, ordering: .relaxed).oldValue
        destinations.withLock { $0[ticket] = destination }
        return UnsafeMutableRawPointer(bitPattern: ticket)!
    }

    /// Forgets a registration whose operation never started (start() failed).
    func unregister(_ user: UnsafeMutableRawPointer) {
        destinations.withLock { _ = $0.removeValue(forKey: UInt(bitPattern: user)) }
    }

    /// The `sb_event_fn` handed to plugins. Runs on plugin threads; copies or forwards, returns at once.
    static let callback: sb_event_fn = { user, event in
        guard let user, let event else { return SB_ERR_INVALID }
        let ticket = UInt(bitPattern: user)
        let isTerminal = event.pointee.kind >= PluginEvent.Kind.done.rawValue
        let destination = shared.destinations.withLock { all in
            isTerminal ? all.removeValue(forKey: ticket) : all[ticket]
        }
        switch destination {
        case nil:
            return SB_ERR_CANCELLED  // operation already over: drop
        case .sink(let sink):
            return sink.forward(event)
        case .channel(let channel):
            guard let copied = PluginEvent(event) else { return SB_OK }  // unknown kind from a newer plugin
            return channel.send(copied) ? SB_OK : SB_ERR_CANCELLED
        }
    }
}

/// Receives C events passed through without a copy (from a plugin thread, inside its callback).
public protocol EventForwarder: Sendable {
    /// Returns the status for the producing plugin (SB_ERR_CANCELLED asks it to stop).
    func forward(_ event: UnsafePointer<sb_event>) -> sb_status
}

/// Sends events to a plugin's `sb_event_fn` (the host's side of `submit`), guaranteeing that
/// exactly one terminal event is delivered and nothing after it.
public final class PluginEventSink: EventForwarder {
    private struct Target: @unchecked Sendable {
        // The plugin promises `user` stays valid until the terminal event (sb_host_api.submit).
        let callback: sb_event_fn
        let user: UnsafeMutableRawPointer?
    }
    private let target: Target
    private let finished = Atomic<Bool>(false)

    init(callback: sb_event_fn, user: UnsafeMutableRawPointer?) {
        target = Target(callback: callback, user: user)
    }

    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Delivers one event. Returns false when the consumer asked to stop or the sink is finished.
    @discardableResult
    public func send(_ event: PluginEvent) -> Bool {
        event.withCEvent { forward($0) } == SB_OK
    }

    /// Passes a C event through unchanged (no copy), keeping the one-terminal-event guarantee.
    public func forward(_ event: UnsafePointer<sb_event>) -> sb_status {
        if event.pointee.kind >= PluginEvent.Kind.done.rawValue {
            guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return SB_ERR_CANCELLED }
        } else if isFinished {
            return SB_ERR_CANCELLED
        }
        return target.callback(target.user, event)
    }
}

extension PluginEvent {
    /// Calls `body` with a borrowed C view of this event.
    func withCEvent<R>(_ body: (UnsafePointer<sb_event>) -> R) -> R {
        var text = text, id = id, name = name, data = data
        return text.withUTF8 { t in id.withUTF8 { i in name.withUTF8 { n in data.withUTF8 { d in
            func slice(_ b: UnsafeBufferPointer<UInt8>) -> sb_str {
                sb_str(ptr: b.count == 0 ? nil : UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self), len: b.count)
            }
            var event = sb_event(struct_size: UInt32(MemoryLayout<sb_event>.size), kind: kind.rawValue,
                                 text: slice(t), id: slice(i), name: slice(n), data: slice(d), index: index, status: status)
            return body(&event)
        } } } }
    }
}
