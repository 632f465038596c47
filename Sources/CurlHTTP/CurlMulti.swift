import CCurl
import Foundation
import Glibc
import Synchronization

/// Runs many HTTP transfers on one thread with libcurl's multi-socket interface and epoll:
/// each wake-up touches only the sockets that are ready (curl_multi_poll would scan them all,
/// which cost 21 µs per chunk at 1000 streams). Connections are kept alive and reused, HTTP/2
/// is multiplexed when offered, TLS comes from the system libcurl.
///
/// New work jumps the queue: under load every socket has data waiting, and a request started or
/// answered behind one round over all of them would wait for the whole round (tens of ms at 100
/// full-speed streams). So between any two sockets the loop first starts queued requests and
/// serves the sockets of transfers still waiting for their first byte, which a second epoll
/// instance watches.
///
/// Thread-safe: `start` and `cancel` may be called from any thread; they queue the change and
/// wake the loop through an eventfd. Handlers run on the multi thread and must return quickly.
public final class CurlMulti: @unchecked Sendable {  // `multi`, `active` and `timeout` are touched only on its thread
    private struct Pending {
        var adds: [CurlTransfer] = []
        var cancels: [UInt64] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    private let firstByteEpoll: Int32  // the sockets of transfers waiting for their first byte
    private let wakeup: Int32  // eventfd
    private let pending = Mutex(Pending())
    private let hasPending = Atomic<Bool>(false)
    private var active: [UInt64: CurlTransfer] = [:]
    private var awaitingFirstByte: [Int32: CurlTransfer] = [:]  // by socket
    /// Sockets first watched since the current batch's epoll_wait: a number closed and reused
    /// within the batch must not get the old socket's events (an old hang-up would fail the new one).
    private var addedDuringBatch: Set<Int32> = []
    private var firstByteEvents = [epoll_event](repeating: epoll_event(), count: 8)
    private let budget = ActionBudget()
    private var timeoutMs = -1  // libcurl's next timeout, from the timer callback
    private var idleWatched = 0  // active transfers with an idle timeout
    private var nextIdleCheck = ContinuousClock.now
    static let idleCheckInterval = Duration.milliseconds(100)
    private let nextID = Atomic<UInt64>(1)
    private let stopped = DispatchSemaphore(value: 0)

    static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Returns nil when libcurl or the kernel cannot provide a multi handle, epoll or eventfd.
    public init?() {
        _ = Self.globalInit
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        let firstByteEpoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        let wakeup = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard epoll >= 0, firstByteEpoll >= 0, wakeup >= 0, let multi = curl_multi_init() else {
            for fd in [epoll, firstByteEpoll, wakeup] where fd >= 0 { close(fd) }
            return nil
        }
        (self.multi, self.epoll, self.firstByteEpoll, self.wakeup) = (multi, epoll, firstByteEpoll, wakeup)
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeup))
        epoll_ctl(epoll, EPOLL_CTL_ADD, wakeup, &event)
        let this = Unmanaged.passUnretained(self).toOpaque()  // the thread below keeps self alive
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        _ = ccurl_multi_setopt_socketfunction(multi, Self.socketCallback)
        _ = ccurl_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, this)
        _ = ccurl_multi_setopt_timerfunction(multi, Self.timerCallback)
        _ = ccurl_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, this)
        let thread = Thread { [self] in loop() }
        thread.name = "curl-multi"
        thread.start()
    }

    /// Starts a transfer. Returns its id for `cancel`, or nil when shutting down or libcurl
    /// cannot allocate (then `handlers.end` is not called).
    public func start(_ request: HTTPRequest, handlers: TransferHandlers) -> UInt64? {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        guard let transfer = CurlTransfer(id: id, request: request, handlers: handlers, budget: budget) else { return nil }
        // Woken under the lock: once `shutdown` has set `stopping`, the eventfd may be closed.
        let accepted = pending.withLock { state in
            guard !state.stopping else { return false }
            state.adds.append(transfer)
            hasPending.store(true, ordering: .releasing)
            wake()
            return true
        }
        return accepted ? id : nil
    }

    /// Stops a transfer at once; its `end` reports `.cancelled`. Unknown ids are ignored, and so
    /// is a cancel after `shutdown` (which cancels everything).
    public func cancel(_ id: UInt64) {
        pending.withLock { state in
            guard !state.stopping else { return }
            state.cancels.append(id)
            hasPending.store(true, ordering: .releasing)
            wake()
        }
    }

    /// Cancels every transfer and stops the thread; blocks until it has. Call once.
    public func shutdown() {
        pending.withLock { $0.stopping = true }
        hasPending.store(true, ordering: .releasing)
        wake()
        stopped.wait()
        curl_multi_cleanup(multi)
        close(epoll)
        close(firstByteEpoll)
        close(wakeup)
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeup, &one, 8)
    }

    private func loop() {
        // A small batch: the loop looks for new work between sockets anyway, and the events of
        // a big batch go stale while it works through them.
        var events = [epoll_event](repeating: epoll_event(), count: 32)
        var running: Int32 = 0
        while true {
            // Transfers the budget paused are work waiting: look at the sockets without sleeping.
            // Idle timeouts are checked every 100 ms while any transfer has one.
            var wait = budget.paused.isEmpty ? Int32(timeoutMs < 0 ? -1 : timeoutMs) : 0
            if idleWatched > 0, wait < 0 || wait > 100 { wait = 100 }
            let ready = epoll_wait(epoll, &events, Int32(events.count), wait)
            addedDuringBatch.removeAll(keepingCapacity: true)
            if ready == 0 || timeoutMs == 0 { runTimers(&running) }
            let paused = budget.paused  // they continue after this batch's sockets
            budget.paused = []
            for index in 0..<Int(max(ready, 0)) {
                if servePriority(&running) { return }
                let fd = events[index].data.fd
                if fd == wakeup {
                    var count: UInt64 = 0
                    _ = read(wakeup, &count, 8)
                    continue
                }
                if awaitingFirstByte[fd] != nil || addedDuringBatch.contains(fd) { continue }  // served above, or a new socket: next batch
                budget.nextCall()
                curl_multi_socket_action(multi, fd, Self.action(for: events[index].events), &running)
            }
            for transfer in paused where active[transfer.id] != nil {
                if servePriority(&running) { return }
                budget.nextCall()
                // libcurl hands over what it held back, within a fresh budget, and the transfer
                // reads on (one at a time: one timer call runs every due transfer).
                let resumed = transfer.resume()
                guard resumed == CURLE_OK else { remove(transfer.id, result: resumed); continue }
                runTimers(&running)
            }
            if servePriority(&running) { return }
            readCompletions()
            expireIdle()
        }
    }

    /// Ends, as timeouts, the transfers whose server has been silent for their idle timeout.
    private func expireIdle() {
        guard idleWatched > 0 else { return }
        let now = ContinuousClock.now
        guard now >= nextIdleCheck else { return }
        nextIdleCheck = now + Self.idleCheckInterval
        for (id, transfer) in active where transfer.idles(at: now) { remove(id, result: nil) }
    }

    /// Runs libcurl's due timers (new transfers start, resumed ones continue).
    private func runTimers(_ running: inout Int32) {
        budget.nextCall()
        curl_multi_socket_action(multi, curl_socket_t(CURL_SOCKET_TIMEOUT), 0, &running)
    }

    private static func action(for flags: UInt32) -> Int32 {
        var action: Int32 = 0
        if flags & EPOLLIN.rawValue != 0 { action |= CURL_CSELECT_IN }
        if flags & EPOLLOUT.rawValue != 0 { action |= CURL_CSELECT_OUT }
        if flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { action |= CURL_CSELECT_ERR }
        return action
    }

    /// Starts what other threads queued, then serves the sockets of transfers waiting for their
    /// first byte. Returns true when the loop must stop.
    private func servePriority(_ running: inout Int32) -> Bool {
        if hasPending.load(ordering: .acquiring) {
            hasPending.store(false, ordering: .releasing)
            if applyPending() { return true }
            // The new transfers' timers are due now: start them (send their requests) at once.
            runTimers(&running)
        }
        guard !awaitingFirstByte.isEmpty else { return false }
        let ready = epoll_wait(firstByteEpoll, &firstByteEvents, Int32(firstByteEvents.count), 0)
        for index in 0..<Int(max(ready, 0)) {
            let fd = firstByteEvents[index].data.fd
            budget.nextCall()
            curl_multi_socket_action(multi, fd, Self.action(for: firstByteEvents[index].events), &running)
            if let transfer = awaitingFirstByte[fd], transfer.receivedBody { stopPrioritizing(fd) }
        }
        if ready > 0 { readCompletions() }
        return false
    }

    private func stopPrioritizing(_ socket: Int32) {
        guard awaitingFirstByte.removeValue(forKey: socket) != nil else { return }
        epoll_ctl(firstByteEpoll, EPOLL_CTL_DEL, socket, nil)
    }

    /// Adds and cancels what other threads queued. Returns true when the loop must stop.
    private func applyPending() -> Bool {
        let changes = pending.withLock { state -> Pending in
            defer { state.adds = []; state.cancels = [] }
            return state
        }
        for transfer in changes.adds {
            active[transfer.id] = transfer
            if transfer.idleTimeout != nil { idleWatched += 1 }
            curl_multi_add_handle(multi, transfer.handle)  // schedules a timeout that starts it
        }
        for id in changes.stopping ? Array(active.keys) : changes.cancels { remove(id, result: nil) }
        guard changes.stopping else { return false }
        budget.paused = []  // they hold the budget, which holds them
        for transfer in pending.withLock({ $0.adds }) { transfer.finish(nil) }  // added in the meantime
        stopped.signal()
        return true
    }

    private func readCompletions() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let transfer = message.pointee.easy_handle.flatMap(CurlTransfer.of) else { continue }
            remove(transfer.id, result: message.pointee.data.result)
        }
    }

    /// Detaches a transfer and reports its end; nil result means cancelled.
    private func remove(_ id: UInt64, result: CURLcode?) {
        guard let transfer = active.removeValue(forKey: id) else { return }
        if transfer.idleTimeout != nil { idleWatched -= 1 }
        for (socket, waiting) in awaitingFirstByte where waiting === transfer { stopPrioritizing(socket) }
        curl_multi_remove_handle(multi, transfer.handle)
        transfer.finish(result)
    }

    /// libcurl asks to watch (or stop watching) a socket.
    /// A socket of a transfer still waiting for its first byte is watched by both epoll instances.
    static let socketCallback: curl_socket_callback = { easy, socket, what, user, _ in
        guard let user else { return 0 }
        let this = Unmanaged<CurlMulti>.fromOpaque(user).takeUnretainedValue()
        if what == CURL_POLL_REMOVE {
            epoll_ctl(this.epoll, EPOLL_CTL_DEL, socket, nil)
            this.stopPrioritizing(socket)
            return 0
        }
        var interest: UInt32 = 0
        if what == CURL_POLL_IN || what == CURL_POLL_INOUT { interest |= EPOLLIN.rawValue }
        if what == CURL_POLL_OUT || what == CURL_POLL_INOUT { interest |= EPOLLOUT.rawValue }
        var event = epoll_event(events: interest, data: epoll_data_t(fd: socket))
        if epoll_ctl(this.epoll, EPOLL_CTL_MOD, socket, &event) != 0 {
            epoll_ctl(this.epoll, EPOLL_CTL_ADD, socket, &event)
            this.addedDuringBatch.insert(socket)
        }
        if let transfer = easy.flatMap(CurlTransfer.of), !transfer.receivedBody {
            this.awaitingFirstByte[socket] = transfer
            if epoll_ctl(this.firstByteEpoll, EPOLL_CTL_MOD, socket, &event) != 0 { epoll_ctl(this.firstByteEpoll, EPOLL_CTL_ADD, socket, &event) }
        } else {
            this.stopPrioritizing(socket)
        }
        return 0
    }

    /// libcurl asks to be called back after `timeout` ms (-1: no timer).
    static let timerCallback: curl_multi_timer_callback = { _, timeout, user in
        guard let user else { return 0 }
        Unmanaged<CurlMulti>.fromOpaque(user).takeUnretainedValue().timeoutMs = timeout
        return 0
    }
}
