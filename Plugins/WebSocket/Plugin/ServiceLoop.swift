import CWebSockets
import Glibc
import PluginABI
import Synchronization
import WebSocketProtocol

/// The libwebsockets context and the one thread that services it, plus everything the
/// transport's connections share: the wake-up path from host threads, the turn table, the
/// total send budget and the counters `describe()` reports.
///
/// Threading: lws is driven only from the service thread (`run`), except `lws_cancel_service`,
/// its one thread-safe call, which `wake()` makes from any thread. Host threads hand work to
/// the service thread by appending a connection to `ready` and waking it; one wake-up drains
/// everything that became ready meanwhile, so a burst of events costs one wake-up.
/// Lifecycle: `start` binds and starts the thread; `requestStop` (from any thread, at once)
/// begins closing connections with 1001; `shutdown` waits for the thread, destroys the
/// context and waits (bounded) for the terminal events of every submitted host op.
final class ServiceLoop: @unchecked Sendable {  // see Threading: service-thread state is touched by that thread only
    let config: WebSocketConfig
    let policy: HandshakePolicy
    let gate: HTTPGate
    /// Rate limits of the HTTP API and the WebSocket requests (any thread).
    let limiter: Mutex<RateLimiter>
    let readyHTTP = Mutex<[HTTPExchange]>([])
    let nextHTTPId = Atomic<UInt64>(1)
    let host: HostLink
    let headroom = Int(clws_pre())
    /// Distinguishes request ids this transport generates from those of other processes (scale-out).
    let instanceTag = String(UInt32.random(in: .min ... .max), radix: 36)
    let stats = Stats()
    let turns = Mutex(TurnTable())

    private(set) var port = 0
    private let resources: LWSResources
    /// The context; nil once destroyed, so a late wake-up never touches freed memory.
    private let context = Mutex<ContextPointer?>(nil)
    private var thread = pthread_t()
    private var threadStarted = false

    private let ready = Mutex<[Connection]>([])
    private let wakePending = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    private let exited = Atomic<Bool>(false)
    let liveSubscriptions = Atomic<Int>(0)
    private let queuedTotal = Atomic<Int>(0)
    private let nextSubscriptionId = Atomic<UInt64>(1)
    /// Called once on the service thread when the loop ends: nil after a stop, else why it failed.
    let onExit: @Sendable (String?) -> Void

    // MARK: service thread
    var connections: [UInt64: Connection] = [:]
    /// The HTTP request being served on each connection, by its wsi.
    var exchanges: [UInt: HTTPExchange] = [:]
    var nextConnectionId: UInt64 = 1
    private var stopDeadline: ContinuousClock.Instant?

    /// Creates the context (binding the port) and starts the service thread.
    /// - Throws: `WebSocketError.listenFailed` when lws cannot create the context or bind.
    init(config: WebSocketConfig, host: HostLink, onExit: @escaping @Sendable (String?) -> Void) throws(WebSocketError) {
        self.config = config
        self.policy = HandshakePolicy(config: config)
        self.gate = HTTPGate(config: config)
        self.limiter = Mutex(RateLimiter(limits: config.http.rateLimits))
        self.host = host
        self.onExit = onExit
        resources = LWSResources(config: config, callback: ServiceLoop.callback)
        let created = resources.makeContext(user: Unmanaged.passUnretained(self).toOpaque())
        guard let created else {
            resources.free()
            throw WebSocketError(.listenFailed, "cannot listen on \(config.host):\(config.port) (is the port in use, or the address not local?)")
        }
        port = Int(lws_get_vhost_listen_port(lws_get_vhost_by_name(created, "default")))
        context.withLock { $0 = ContextPointer(pointer: created) }
        let retained = Unmanaged.passRetained(self).toOpaque()  // the thread's reference, released when it ends
        let status = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let loop = Unmanaged<ServiceLoop>.fromOpaque(argument).takeRetainedValue()
            loop.run()
            return nil
        }, retained)
        guard status == 0 else {
            Unmanaged<ServiceLoop>.fromOpaque(retained).release()
            destroyContext()
            throw WebSocketError(.listenFailed, "cannot start the service thread (error \(status))")
        }
        threadStarted = true
    }

    /// How often lws gets to run its timers (pings, hang-ups, close timeouts), in seconds.
    static let tick = 0.25

    private func run() {
        clws_name_thread("sb-websocket")
        guard let context = context.withLock({ $0?.pointer }), let eventLoop = resources.eventLoop else { return }
        let ticker = clws_ticker_start(eventLoop, context, Self.tick)
        while true {
            clws_ev_run_once(eventLoop)
            if let stopDeadline, connections.isEmpty || ContinuousClock.now >= stopDeadline { break }
        }
        clws_ticker_stop(eventLoop, ticker)
        exited.store(true, ordering: .releasing)
        onExit(nil)
    }

    // MARK: waking the service thread (any thread)

    /// Asks the service thread to look at `connection` (frames to send, a close to carry out).
    func schedule(_ connection: Connection) {
        ready.withLock { $0.append(connection) }
        wake()
    }

    /// Interrupts `lws_service` once; later calls before the service thread drains are free.
    func wake() {
        guard !wakePending.exchange(true, ordering: .acquiringAndReleasing) else { return }
        context.withLock { context in
            if let context { lws_cancel_service(context.pointer) }
        }
    }

    /// Begins a graceful stop: connections get a 1001 close frame and `shutdown_grace` to take it.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        wakePending.store(false, ordering: .releasing)
        wake()
    }

    /// LWS_CALLBACK_EVENT_WAIT_CANCELLED: handles every connection made ready since the last wake-up.
    func drainReady() {
        wakePending.store(false, ordering: .releasing)
        if stopRequested.load(ordering: .acquiring), stopDeadline == nil {
            stopDeadline = ContinuousClock.now + .milliseconds(Int(config.shutdownGrace * 1000))
            for connection in connections.values {
                let changed = connection.shared.withLock { connection.beginClose(&$0, code: 1001, reason: "server shutting down") }
                if changed { handleCloseRequest(connection) }
                lws_callback_on_writable(connection.wsi)
            }
        }
        let batch = ready.withLock { ready -> [Connection] in
            defer { ready.removeAll(keepingCapacity: ready.count <= 1024) }
            return ready
        }
        for connection in batch where !connection.lwsClosed {
            handleCloseRequest(connection)
            lws_callback_on_writable(connection.wsi)
        }
        drainReadyHTTP()
    }

    /// Acts once on a close the transport decided (slow reader, shutdown): detaches the
    /// connection's requests at once and bounds how long the close frame may wait for a
    /// client that does not read.
    /// - Important: Service thread only.
    func handleCloseRequest(_ connection: Connection) {
        let act = connection.shared.withLock { shared -> Bool in
            guard case .closing(let code, let reason, false) = shared.state else { return false }
            shared.state = .closing(code: code, reason: reason, handled: true)
            return true
        }
        guard act, !connection.lwsClosed else { return }
        connection.detachSubscriptions()
        lws_set_timeout(connection.wsi, PENDING_TIMEOUT_USER_OK, Int32(max(1, min(config.pingTimeout, 10))))
    }

    // MARK: stopping (host's configuration thread)

    /// Stops the loop and frees everything: waits for the service thread (poking it so it sees
    /// the grace deadline pass), destroys the context (lws closes what is left, which cancels
    /// their requests), then waits up to `timeout` seconds for the host to end every submitted op.
    /// - Returns: the number of host ops still not ended (0 normally).
    @discardableResult
    func shutdown(timeout: Double = 5) -> Int {
        requestStop()
        if threadStarted {
            while !exited.load(ordering: .acquiring) {
                wake()
                wakePending.store(false, ordering: .releasing)
                usleep(10_000)
            }
            pthread_join(thread, nil)
            threadStarted = false
        }
        destroyContext()
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while liveSubscriptions.load(ordering: .acquiring) > 0, ContinuousClock.now < deadline { usleep(2_000) }
        return liveSubscriptions.load(ordering: .acquiring)
    }

    private func destroyContext() {
        // Taken out under the lock, destroyed outside it: lws_context_destroy runs CLOSED callbacks,
        // which cancel requests, whose terminal events may wake() (a no-op now).
        guard let destroying = context.withLock({ context -> OpaquePointer? in
            defer { context = nil }
            return context?.pointer
        }) else { return }
        lws_context_destroy(destroying)
        resources.free()
    }

    // MARK: budgets and ids (any thread)

    /// Counts `bytes` more queued transport-wide. Returns false when that exceeds `send_queue.max_total_bytes`.
    func reserveQueued(_ bytes: Int) -> Bool {
        let total = queuedTotal.wrappingAdd(bytes, ordering: .relaxed).newValue
        stats.noteQueued(total)
        return total <= config.maxTotalQueuedBytes
    }

    func releaseQueued(_ bytes: Int) {
        guard bytes > 0 else { return }
        queuedTotal.wrappingSubtract(bytes, ordering: .relaxed)
    }

    var queuedBytes: Int { queuedTotal.load(ordering: .relaxed) }
    var runningRequests: Int { liveSubscriptions.load(ordering: .relaxed) }
    var isStopping: Bool { stopRequested.load(ordering: .relaxed) }

    func makeSubscriptionId() -> UInt64 { nextSubscriptionId.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// The lws context pointer, shareable: lws_cancel_service is safe from any thread.
struct ContextPointer: @unchecked Sendable {
    let pointer: OpaquePointer
}
