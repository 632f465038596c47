import Glibc
import PluginABI
import Synchronization

/// One started operation. Emit events, then finish it exactly once with `succeed`, `fail`, or
/// by cancellation; PluginKit drops anything sent after that, so the host always sees one
/// terminal event.
///
/// Threading: every method may be called from any thread. Deliveries to the host are
/// serialized (a recursive lock is held across each `on_event` call), so an `emit` racing a
/// `cancel` never overlaps or follows the terminal event; a `cancel` made from inside the
/// host's own `on_event` callback delivers its terminal event from within that call.
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
    private let delivery = RecursiveLock()
    private let cancelHandler = Mutex<CancelHandler>(.none)

    private enum CancelHandler { case none, waiting(@Sendable () -> Void), fired }

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
        let status: sb_status? = delivery.withLock {
            guard !isFinished else { return nil }
            return deliver(UInt32(kind), text: text, id: id, name: name, data: data, index: index, status: SB_OK)
        }
        guard let status else { return false }
        if status != SB_OK { cancelRequested.store(true, ordering: .relaxed) }
        return status == SB_OK && !isCancelled
    }

    /// Ends the operation successfully with an optional result JSON.
    public func succeed(result: String = "") { terminate(UInt32(SB_EVENT_DONE), text: "", name: "", data: result, status: SB_OK) }

    /// Ends the operation with an error: a code word (e.g. "invalid_arguments") and a message.
    public func fail(_ error: PluginError, code: String = "error", details: String = "") {
        terminate(UInt32(SB_EVENT_ERROR), text: error.message, name: code, data: details, status: error.status)
    }

    /// Ends the operation as cancelled, then runs the handler given to `onCancel`. Called by
    /// PluginKit when the host cancels it; a plugin calls it when the consumer asked to stop.
    public func cancel() {
        cancelRequested.store(true, ordering: .relaxed)
        terminate(UInt32(SB_EVENT_CANCELLED), text: "", name: "", data: "", status: SB_ERR_CANCELLED)
        runCancelHandler()
    }

    /// Registers what to do when the operation is cancelled (for example, telling a server to
    /// stop). Runs once, after the CANCELLED event, on the cancelling thread; at once if the
    /// operation was already cancelled; never if it ended otherwise. A second call replaces
    /// a handler that has not run yet.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let runNow = cancelHandler.withLock { state -> Bool in
            if case .fired = state { return true }
            state = .waiting(handler)
            return false
        }
        if runNow { handler() }
    }

    private func runCancelHandler() {
        let handler = cancelHandler.withLock { state -> (@Sendable () -> Void)? in
            defer { state = .fired }
            if case .waiting(let handler) = state { return handler }
            return nil
        }
        handler?()
    }

    private func terminate(_ kind: UInt32, text: String, name: String, data: String, status: sb_status) {
        let ended: Bool = delivery.withLock {
            guard !finished.exchange(true, ordering: .acquiringAndReleasing) else { return false }
            _ = deliver(kind, text: text, id: "", name: name, data: data, index: 0, status: status)
            return true
        }
        if ended { onFinish(handle) }
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

/// A pthread recursive mutex: the same thread may take it again (a cancel from inside the
/// host's callback), other threads wait. Held only across one `on_event` call, which the ABI
/// requires to return quickly.
final class RecursiveLock: @unchecked Sendable {  // the pthread mutex is the synchronization
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

extension UnsafeBufferPointer<UInt8> {
    var slice: sb_str {
        sb_str(ptr: count == 0 ? nil : UnsafeRawPointer(baseAddress!).assumingMemoryBound(to: CChar.self), len: count)
    }
}
