import Synchronization

/// Stops sending requests to a provider that keeps failing: after `failureThreshold`
/// consecutive failures the circuit opens and requests fail at once; after `cooldown` seconds
/// one probe is let through (half-open): success closes the circuit, failure opens it again.
/// Thread-safe; the clock is injected for tests.
final class CircuitBreaker: Sendable {
    enum State: Equatable, Sendable { case closed, open(until: Double), halfOpen }

    private struct Inner { var state = State.closed; var failures = 0; var probeOut = false }
    private let inner = Mutex(Inner())
    let failureThreshold: Int
    let cooldown: Double
    private let now: @Sendable () -> Double

    init(failureThreshold: Int = 5, cooldown: Double = 30, now: @escaping @Sendable () -> Double) {
        self.failureThreshold = max(1, failureThreshold)
        self.cooldown = cooldown
        self.now = now
    }

    var state: State { inner.withLock { $0.state } }

    /// Whether a request may go out now; in half-open state only one probe at a time.
    func allowRequest() -> Bool {
        let time = now()
        return inner.withLock { inner in
            switch inner.state {
            case .closed: return true
            case .open(let until) where time < until: return false
            case .open, .halfOpen:
                guard !inner.probeOut else { return false }
                inner.state = .halfOpen
                inner.probeOut = true
                return true
            }
        }
    }

    func recordSuccess() { inner.withLock { $0 = Inner() } }

    func recordFailure() {
        let time = now()
        inner.withLock { inner in
            inner.failures += 1
            inner.probeOut = false
            if inner.state == .halfOpen || inner.failures >= failureThreshold { inner.state = .open(until: time + cooldown) }
        }
    }

    /// The JSON for status reports: {"state": "closed"|"open"|"half_open", "consecutive_failures": N}.
    var statusJSON: String {
        inner.withLock { inner in
            let name = switch inner.state { case .closed: "closed"; case .open: "open"; case .halfOpen: "half_open" }
            return #"{"state":"\#(name)","consecutive_failures":\#(inner.failures)}"#
        }
    }
}
