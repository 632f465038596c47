/// When to (re)connect one server, as a pure state machine over an injected time (seconds on
/// any monotonic clock): exponential backoff after each failure, a cap on the delay, and a
/// maximum number of consecutive failed attempts after which the server is given up.
///
/// A lost connection (crash, hang, dropped session) counts as a failure, so the first restart
/// waits `initialDelay`; each failed attempt doubles the wait up to `maxDelay`. The count is
/// reset only by a connection that stayed up for `maxDelay` (at least a second): a server
/// that dies right after each start backs off and is given up like one that cannot start.
/// With `maxAttempts` 0 it never gives up.
public struct SupervisionMachine: Sendable, Equatable {
    public struct Policy: Sendable, Equatable {
        public var maxAttempts: Int
        public var initialDelay: Double
        public var maxDelay: Double

        public init(maxAttempts: Int, initialDelay: Double, maxDelay: Double) {
            (self.maxAttempts, self.initialDelay, self.maxDelay) = (maxAttempts, initialDelay, maxDelay)
        }

        /// The wait after `failures` consecutive failures (1 or more), or nil to give up.
        public func delay(afterFailures failures: Int) -> Double? {
            guard maxAttempts == 0 || failures <= maxAttempts else { return nil }
            let exponent = Double(min(max(failures - 1, 0), 60))
            return min(maxDelay, initialDelay * Double.pow2(exponent))
        }
    }

    public enum State: Sendable, Equatable {
        case idle
        case connecting(attempt: Int)
        case up(since: Double)
        /// Down, with a retry planned at `retryAt`.
        case waiting(retryAt: Double, failures: Int, reason: String)
        /// Given up after too many failures.
        case failed(reason: String)
        case stopped
    }

    /// What the driver should do now.
    public enum Action: Sendable, Equatable {
        case connect
        case wait(until: Double)
        case giveUp(reason: String)
        case none
    }

    public let policy: Policy
    public private(set) var state = State.idle
    public private(set) var failures = 0
    /// Connections made so far, the first included.
    public private(set) var connections = 0

    public init(policy: Policy) { self.policy = policy }

    public mutating func start() -> Action {
        guard state == .idle else { return .none }
        state = .connecting(attempt: 1)
        return .connect
    }

    public mutating func connected(now: Double) -> Action {
        guard case .connecting = state else { return .none }
        connections += 1
        state = .up(since: now)
        return .none
    }

    public mutating func connectFailed(now: Double, reason: String) -> Action {
        guard case .connecting = state else { return .none }
        return scheduleRetry(now: now, reason: reason)
    }

    /// The connection that was up ended (crash, hang, session lost).
    public mutating func lost(now: Double, reason: String) -> Action {
        guard case .up(let since) = state else { return .none }
        if now - since >= max(policy.maxDelay, 1) { failures = 0 }  // it was stable: start over
        return scheduleRetry(now: now, reason: reason)
    }

    /// Time passed; connects when the planned retry is due.
    public mutating func tick(now: Double) -> Action {
        guard case .waiting(let retryAt, let failures, _) = state else { return .none }
        guard now >= retryAt else { return .wait(until: retryAt) }
        state = .connecting(attempt: failures + 1)
        return .connect
    }

    public mutating func stop() { state = .stopped }

    private mutating func scheduleRetry(now: Double, reason: String) -> Action {
        failures += 1
        guard let delay = policy.delay(afterFailures: failures) else {
            state = .failed(reason: reason)
            return .giveUp(reason: reason)
        }
        state = .waiting(retryAt: now + delay, failures: failures, reason: reason)
        return .wait(until: now + delay)
    }
}

extension Double {
    static func pow2(_ exponent: Double) -> Double { Double(sign: .plus, exponent: Int(exponent), significand: 1) }
}
