import Foundation
import JSONSupport
import Synchronization

/// What a connection tells its supervisor, from transport threads; must return quickly.
public enum ConnectionEvent: Sendable, Equatable {
    /// The transport ended: every pending request has already failed.
    case closed(String)
    /// `tools`, `prompts` or `resources` changed on the server.
    case listChanged(String)
    case resourceUpdated(String)
    /// An HTTP session expired (404): re-initialize, then `resendAfterNewSession()`.
    case sessionExpired
}

/// One live connection to one server: JSON-RPC requests with deadlines and progress, cancellation
/// on the wire, the server's notifications and requests, and the handshake (`establish`).
///
/// Thread-safe. `request` and `cancel` may be called from any thread; transport events arrive on
/// transport threads; `establish`, `call` and `expireOverdue` are for the supervisor thread.
/// Completions and progress handlers run outside the lock, on whichever thread ended the request.
public final class ServerConnection: Sendable {
    struct State {
        var pending = PendingRequests()
        var session: SessionInfo?
        var closed: String?
        var garbageLines = 0
        var stderrBudget = LogBudget()
    }

    /// At most `perSecond` stderr lines a second reach the host log; the rest are counted, and
    /// the count is logged with the next line that gets through.
    struct LogBudget {
        static let perSecond = 200
        var second = 0.0
        var used = 0
        var dropped = 0

        /// Whether a line may be logged now; the number dropped before it, when it may.
        mutating func admit(now: Double) -> (Bool, droppedBefore: Int) {
            if now - second >= 1 { (second, used) = (now, 0) }
            guard used < Self.perSecond else {
                dropped += 1
                return (false, 0)
            }
            used += 1
            defer { dropped = 0 }
            return (true, dropped)
        }
    }

    public let server: String
    let transport: any MCPTransport
    let channel: SessionMachine.Channel
    private let limits: ClientSettings
    private let log: LogSink
    private let events: @Sendable (ConnectionEvent) -> Void
    let state = Mutex(State())
    private let closing = Atomic<Bool>(false)

    init(server: String, transport: any MCPTransport, channel: SessionMachine.Channel, limits: ClientSettings,
         log: @escaping LogSink, events: @escaping @Sendable (ConnectionEvent) -> Void) {
        self.server = server
        self.transport = transport
        self.channel = channel
        self.limits = limits
        self.log = log
        self.events = events
    }

    public var session: SessionInfo? { state.withLock { $0.session } }
    public var isOpen: Bool { state.withLock { $0.closed == nil } }
    public var inFlight: Int { state.withLock { $0.pending.count } }
    /// When the next pending request times out (monotonic seconds; infinity when none can).
    var earliestDeadline: Double { state.withLock { $0.pending.earliestDeadline } }

    /// Starts the transport. - Throws: `MCPError` when the server cannot be started or reached.
    func open() throws(MCPError) {
        try transport.start { [weak self] event in self?.handle(event) }
    }

    // MARK: requests

    /// Sends a request; `completion` runs once with the result or the failure (never after
    /// `cancel`). - Returns: the id, for `cancel`; nil when it failed at once (completion ran).
    /// - Parameters:
    ///   - timeout: seconds without an answer (or progress) before it fails with `.timeout`.
    ///   - maxTimeout: the limit that progress cannot extend.
    ///   - progress: asks the server for `notifications/progress` and receives them.
    @discardableResult
    public func request(_ method: String, params: JSONValue?, name: String? = nil, timeout: Double, maxTimeout: Double,
                        progress: (@Sendable (ProgressUpdate) -> Void)? = nil, completion: @escaping RequestCompletion) -> RequestID? {
        let now = Monotonic.now
        let refusal: MCPError?
        let sendable: (RequestID, OutgoingMessage)?
        (refusal, sendable) = state.withLock { state -> (MCPError?, (RequestID, OutgoingMessage)?) in
            if let closed = state.closed { return (.serverDown("server '\(server)' is not connected (\(closed))"), nil) }
            guard let session = state.session else { return (.serverDown("server '\(server)' is still starting"), nil) }
            guard state.pending.count < limits.maxInFlight else {
                return (MCPError(.busy, "server '\(server)' already has \(limits.maxInFlight) requests in flight (requests.max_in_flight)"), nil)
            }
            let id = state.pending.makeID()
            let entry = PendingRequest(method: method, params: params, name: name, timeout: timeout, deadline: now + timeout,
                                       hardDeadline: now + max(timeout, maxTimeout), completion: completion, progress: progress, startedAt: now)
            state.pending.insert(entry, id: id)
            return (nil, (id, message(id: id, entry, session: session)))
        }
        if let refusal {
            completion(.failure(refusal))
            return nil
        }
        guard let (id, outgoing) = sendable else { return nil }
        do throws(MCPError) { try transport.send(outgoing) } catch {
            if let entry = state.withLock({ $0.pending.remove(id) }) { entry.completion(.failure(error)) }
            return nil
        }
        return id
    }

    /// A request from the supervisor thread, waiting for its answer.
    /// - Throws: `MCPError` (server error, timeout, connection closed).
    public func call(_ method: String, params: JSONValue? = nil, timeout: Double) throws(MCPError) -> JSONValue {
        let box = Mutex<Result<JSONValue, MCPError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        request(method, params: params, timeout: timeout, maxTimeout: timeout) { result in
            box.withLock { $0 = result }
            done.signal()
        }
        // The connection's own deadline ends it; this wait only guards against a lost completion.
        _ = done.wait(timeout: .now() + timeout + 5)
        switch box.withLock({ $0 }) {
        case .success(let value)?: return value
        case .failure(let error)?: throw error
        case nil: throw MCPError(.timeout, "\(method) got no answer within \(PendingRequest.seconds(timeout))")
        }
    }

    /// Stops waiting for a request and tells the server: `notifications/cancelled` (stdio, and
    /// legacy HTTP where disconnecting is not cancelling), and closing its HTTP response stream.
    /// Its completion does not run. Unknown or finished ids are ignored.
    public func cancel(_ id: RequestID, reason: String) {
        guard state.withLock({ $0.pending.remove(id) }) != nil else { return }
        cancelOnTheWire(id, reason: reason)
    }

    private func cancelOnTheWire(_ id: RequestID, reason: String) {
        let session = state.withLock { $0.session }
        if channel == .stdio || session?.era == .legacy {
            let params: JSONValue = .object(["requestId": id.json, "reason": .string(reason)])
            try? transport.send(OutgoingMessage(body: JSONRPC.notification(method: "notifications/cancelled", params: params),
                                                id: nil, method: "notifications/cancelled"))
        }
        transport.abandon(id)
    }

    /// Fails the requests whose deadline passed (and cancels them on the wire). Supervisor thread.
    func expireOverdue(now: Double = Monotonic.now) {
        let overdue = state.withLock { $0.pending.expire(now: now) }
        for (id, entry) in overdue {
            cancelOnTheWire(id, reason: "timed out")
            entry.completion(.failure(entry.timeoutError(now: now)))
        }
    }

    /// Sends again, under new ids, the requests a 404 refused; fails them if the session could not be renewed.
    func resendAfterNewSession(failure: MCPError? = nil) {
        let waiting = state.withLock { $0.pending.takeAwaitingSession() }
        for entry in waiting {
            if let failure {
                entry.completion(.failure(failure))
                continue
            }
            let sendable = state.withLock { state -> (RequestID, OutgoingMessage)? in
                guard state.closed == nil, let session = state.session else { return nil }
                let id = state.pending.makeID()
                state.pending.insert(entry, id: id)
                return (id, message(id: id, entry, session: session))
            }
            guard let (id, outgoing) = sendable else {
                entry.completion(.failure(.serverDown("server '\(server)' is not connected")))
                continue
            }
            do throws(MCPError) { try transport.send(outgoing) } catch {
                if let entry = state.withLock({ $0.pending.remove(id) }) { entry.completion(.failure(error)) }
            }
        }
    }

    private func message(id: RequestID, _ entry: PendingRequest, session: SessionInfo) -> OutgoingMessage {
        let params = session.params(entry.params, progressToken: entry.progress == nil ? nil : id,
                                    logLevel: session.era == .modern ? limits.serverLogLevel : nil)
        return OutgoingMessage(body: JSONRPC.request(id: id, method: entry.method, params: params), id: id,
                               method: entry.method, name: entry.name)
    }

    // MARK: closing

    /// Closes the transport (stdio: the stop sequence; HTTP: DELETE of the session); fails what is pending.
    /// Blocks until the transport's threads have stopped. - Returns: how it ended.
    /// Idempotent: a second call (say, `stop()` interrupting a handshake) returns nil at once.
    @discardableResult
    public func close(reason: String) -> String? {
        guard !closing.exchange(true, ordering: .acquiringAndReleasing) else { return nil }
        failAll(reason)  // first, so a handshake waiting on a reply stops waiting
        let ending = transport.close()
        failAll(reason)
        return ending
    }

    private func failAll(_ reason: String) {
        let failed = state.withLock { state -> [PendingRequest] in
            if state.closed == nil { state.closed = reason }
            return state.pending.removeAll()
        }
        let error = MCPError.serverDown("server '\(server)' stopped before answering (\(reason))")
        for entry in failed { entry.completion(.failure(error)) }
    }

    // MARK: incoming

    private func handle(_ event: TransportEvent) {
        switch event {
        case .message(let message): receive(message)
        case .requestFailed(let id, let failure): requestFailed(id, failure)
        case .stderr(let line):
            let (admitted, dropped) = state.withLock { $0.stderrBudget.admit(now: Monotonic.now) }
            guard admitted else { return }
            if dropped > 0 { log(.warn, "(\(dropped) stderr lines dropped: more than \(LogBudget.perSecond) a second)") }
            log(.info, "stderr: \(line)")
        case .note(let text): log(.info, text)
        case .garbage(let text):
            let count = state.withLock { state -> Int in state.garbageLines += 1; return state.garbageLines }
            if count <= 5 || count % 1000 == 0 {
                log(.warn, "ignored output that is not JSON-RPC (\(count) so far): \(text)")
            }
        case .closed(let reason):
            failAll(reason)
            events(.closed(reason))
        }
    }

    private func receive(_ message: IncomingMessage) {
        switch message {
        case .result(let id, let value):
            state.withLock { $0.pending.remove(id) }?.completion(.success(value))
        case .error(let id?, let error):
            guard let entry = state.withLock({ $0.pending.remove(id) }) else { return }
            let what = entry.name.map { "\(entry.method) '\($0)'" } ?? entry.method
            entry.completion(.failure(MCPError(.serverError, "\(what) failed on server '\(server)': \(error.message) (\(error.code))", rpc: error)))
        case .error(nil, let error):
            log(.warn, "error without a request id: \(error.message) (\(error.code))")
        case .request(let id, let method, _):
            answer(id, method)
        case .notification(let method, let params):
            notification(method, params)
        }
    }

    /// Requests from the server: ping is answered; roots, sampling and elicitation are not offered.
    private func answer(_ id: RequestID, _ method: String) {
        let body = method == "ping"
            ? JSONRPC.response(id: id, result: .object([:]))
            : JSONRPC.errorResponse(id: id, code: RPCError.methodNotFound, message: "this client does not offer \(method)")
        try? transport.send(OutgoingMessage(body: body, id: nil, method: method))
    }

    private func notification(_ method: String, _ params: JSONValue?) {
        switch method {
        case "notifications/progress":
            guard let token = RequestID(params?["progressToken"]), let progress = params?["progress"]?.number,
                  let entry = state.withLock({ $0.pending.progressed(token, now: Monotonic.now) }) else { return }
            entry.progress?(ProgressUpdate(progress: progress, total: params?["total"]?.number, message: params?["message"]?.stringValue))
        case "notifications/message":
            let level = params?["level"]?.stringValue ?? "info"
            let data = params?["data"].map { $0.stringValue ?? $0.jsonText } ?? ""
            let logger = params?["logger"]?.stringValue.map { "\($0): " } ?? ""
            log(LogLevel(mcpLevel: level), "\(logger)\(data.prefix(16_384))")
        case "notifications/tools/list_changed": events(.listChanged("tools"))
        case "notifications/prompts/list_changed": events(.listChanged("prompts"))
        case "notifications/resources/list_changed": events(.listChanged("resources"))
        case "notifications/resources/updated":
            if let uri = params?["uri"]?.stringValue { events(.resourceUpdated(uri)) }
        case "notifications/cancelled", "notifications/subscriptions/acknowledged":
            break
        default:
            log(.debug, "ignored notification \(method)")
        }
    }

    private func requestFailed(_ id: RequestID, _ failure: TransportFailure) {
        if failure == .sessionExpired, state.withLock({ $0.pending.markAwaitingSession(id) }) {
            events(.sessionExpired)
            return
        }
        guard let entry = state.withLock({ $0.pending.remove(id) }) else { return }
        let what = entry.name.map { "\(entry.method) '\($0)'" } ?? entry.method
        let error: MCPError
        switch failure {
        case .httpStatus(let status, let body):
            if let rpc = body?["error"], let code = rpc["code"]?.integer {
                let serverError = RPCError(code: code, message: rpc["message"]?.stringValue ?? "", data: rpc["data"])
                error = MCPError(.serverError, "\(what) failed on server '\(server)': \(serverError.message) (\(code), HTTP \(status))",
                                 rpc: serverError, httpStatus: status)
            } else {
                error = MCPError(.transport, "\(what): server '\(server)' answered HTTP \(status)", httpStatus: status)
            }
        case .sessionExpired: error = MCPError(.sessionExpired, "\(what): the session of server '\(server)' expired again", httpStatus: 404)
        case .streamLost(let reason): error = .transport("\(what): lost the response from server '\(server)': \(reason)")
        case .other(let reason): error = .transport("\(what): \(reason)")
        }
        entry.completion(.failure(error))
    }
}
