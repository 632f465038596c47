import PluginABI
import Synchronization

/// One started operation. Emit events, then finish it exactly once with `succeed`, `fail`, or
/// by cancellation; PluginKit drops anything sent after that, so the host always sees one
/// terminal event.
public final class Operation: Sendable {
    private struct Callback: @unchecked Sendable {
        // The host keeps `user` valid until the terminal event (switchboard.h, Streaming).
        let function: sb_event_fn
        let user: UnsafeMutableRawPointer?
    }

    public let op: String
    public let request: String
    public let handle: UInt64
    private let callback: Callback
    private let finished = Atomic<Bool>(false)
    private let cancelRequested = Atomic<Bool>(false)
    private let onFinish: @Sendable (UInt64) -> Void
    private let cancellationHandler = Mutex<(@Sendable () -> Void)?>(nil)

    init(op: String, request: String, handle: UInt64, function: sb_event_fn, user: UnsafeMutableRawPointer?,
         onFinish: @escaping @Sendable (UInt64) -> Void) {
        self.op = op
        self.request = request
        self.handle = handle
        self.callback = Callback(function: function, user: user)
        self.onFinish = onFinish
    }

    /// True once the host cancelled the operation or the consumer asked to stop.
    public var isCancelled: Bool { cancelRequested.load(ordering: .relaxed) }
    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Sends a non-terminal event (`SB_EVENT_*`). Returns false when the operation should stop.
    @discardableResult
    public func emit(_ kind: Int32, text: String = "", id: String = "", name: String = "", data: String = "", index: Int64 = 0) -> Bool {
        guard !isFinished else { return false }
        let status = deliver(UInt32(kind), text: text, id: id, name: name, data: data, index: index, status: SB_OK)
        if status != SB_OK { cancelRequested.store(true, ordering: .relaxed) }
        return status == SB_OK && !isCancelled
    }

    /// Ends the operation successfully with an optional result JSON.
    public func succeed(result: String = "") { terminate(UInt32(SB_EVENT_DONE), text: "", name: "", data: result, status: SB_OK) }

    /// Ends the operation with an error: a code word (e.g. "invalid_arguments"), a message, and
    /// optional details JSON.
    public func fail(_ error: PluginError, code: String = "error", details: String = "") {
        terminate(UInt32(SB_EVENT_ERROR), text: error.message, name: code, data: details, status: error.status)
    }

    /// Ends the operation as cancelled and runs the cancellation handler. Called by PluginKit
    /// when the host cancels it (or the instance is destroyed).
    public func cancel() {
        cancelRequested.store(true, ordering: .relaxed)
        terminate(UInt32(SB_EVENT_CANCELLED), text: "", name: "", data: "", status: SB_ERR_CANCELLED)
        cancellationHandler.withLock { handler in defer { handler = nil }; return handler }?()
    }

    /// Sets what stops the operation's work (an HTTP transfer, a subprocess call) when it is
    /// cancelled. Runs at most once, from any thread; at once if the operation is already cancelled.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        cancellationHandler.withLock { $0 = handler }
        if isCancelled { cancellationHandler.withLock { handler in defer { handler = nil }; return handler }?() }
    }

    private func terminate(_ kind: UInt32, text: String, name: String, data: String, status: sb_status) {
        guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return }
        _ = deliver(kind, text: text, id: "", name: name, data: data, index: 0, status: status)
        onFinish(handle)
    }

    private func deliver(_ kind: UInt32, text: String, id: String, name: String, data: String, index: Int64, status: sb_status) -> sb_status {
        var text = text, id = id, name = name, data = data
        return text.withUTF8 { t in id.withUTF8 { i in name.withUTF8 { n in data.withUTF8 { d in
            var event = sb_event(struct_size: UInt32(MemoryLayout<sb_event>.size), kind: kind,
                                 text: t.slice, id: i.slice, name: n.slice, data: d.slice, index: index, status: status)
            return callback.function(callback.user, &event)
        } } } }
    }
}

extension UnsafeBufferPointer<UInt8> {
    var slice: sb_str {
        sb_str(ptr: count == 0 ? nil : UnsafeRawPointer(baseAddress!).assumingMemoryBound(to: CChar.self), len: count)
    }
}
