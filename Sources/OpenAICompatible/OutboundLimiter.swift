import Foundation
import Synchronization

/// Per-provider outbound limits: requests and tokens per minute, and concurrent streams.
/// A request over a limit waits in a bounded FIFO queue (the seeds' "predictive queuing")
/// instead of failing; only a full queue, or a wait longer than `maxWait`, refuses it.
/// Thread-safe; the clock is injected for tests.
final class OutboundLimiter: Sendable {
    struct Limits: Sendable, Equatable {
        var requestsPerMinute = 0      // 0: unlimited
        var tokensPerMinute = 0
        var maxConcurrent = 0
        var maxQueued = 1000
        var maxWait = 120.0            // seconds a queued request may wait
    }

    /// A waiting request: its token estimate, when it queued, and how to start or refuse it.
    private struct Waiter {
        let tokens: Int
        let queuedAt: Double
        let start: @Sendable () -> Void
        let refuse: @Sendable (String) -> Void
    }

    private struct Inner {
        var window: [(time: Double, tokens: Int)] = []  // admissions in the last 60 s
        var running = 0
        var queue: [Waiter] = []
    }

    let limits: Limits
    private let inner = Mutex(Inner())
    private let now: @Sendable () -> Double
    private let schedule: @Sendable (_ after: Double, _ work: @escaping @Sendable () -> Void) -> Void

    /// - Parameter schedule: runs `work` after a delay (re-checking the queue when a minute window frees).
    init(limits: Limits, now: @escaping @Sendable () -> Double,
         schedule: @escaping @Sendable (Double, @escaping @Sendable () -> Void) -> Void) {
        self.limits = limits
        self.now = now
        self.schedule = schedule
    }

    /// Starts the request now if the limits allow, else queues it.
    /// `start` and `refuse` run at most once between them, possibly inside this call.
    func submit(tokens: Int, start: @escaping @Sendable () -> Void, refuse: @escaping @Sendable (String) -> Void) {
        let full = inner.withLock { inner -> Bool in
            guard inner.queue.count < limits.maxQueued else { return true }
            inner.queue.append(Waiter(tokens: tokens, queuedAt: now(), start: start, refuse: refuse))
            return false
        }
        if full { return refuse("the outbound queue is full (\(limits.maxQueued) requests waiting)") }
        pump()
    }

    /// A started request finished; frees its concurrency slot.
    func finished() {
        inner.withLock { $0.running = max(0, $0.running - 1) }
        pump()
    }

    var queuedCount: Int { inner.withLock { $0.queue.count } }
    var runningCount: Int { inner.withLock { $0.running } }

    /// Starts every queued request the limits now allow, in order; expires those waited too long.
    private func pump() {
        let time = now()
        var toStart: [Waiter] = [], expired: [Waiter] = []
        let wakeAt: Double? = inner.withLock { inner in
            inner.window.removeAll { time - $0.time >= 60 }
            while let first = inner.queue.first {
                if time - first.queuedAt > limits.maxWait { expired.append(inner.queue.removeFirst()); continue }
                let tokensUsed = inner.window.reduce(0) { $0 + $1.tokens }
                let blocked = (limits.maxConcurrent > 0 && inner.running >= limits.maxConcurrent)
                    || (limits.requestsPerMinute > 0 && inner.window.count >= limits.requestsPerMinute)
                    || (limits.tokensPerMinute > 0 && tokensUsed + first.tokens > limits.tokensPerMinute && !inner.window.isEmpty)
                if blocked { break }
                inner.queue.removeFirst()
                inner.window.append((time, first.tokens))
                inner.running += 1
                toStart.append(first)
            }
            guard !inner.queue.isEmpty, let oldest = inner.window.first else { return nil }
            // Blocked by a per-minute limit: look again when the oldest admission leaves the window.
            let concurrencyBound = limits.maxConcurrent > 0 && inner.running >= limits.maxConcurrent
            return concurrencyBound ? nil : oldest.time + 60
        }
        for waiter in expired { waiter.refuse("waited more than \(Int(limits.maxWait)) s for the provider's rate limits") }
        for waiter in toStart { waiter.start() }
        if let wakeAt { schedule(max(0.001, wakeAt - time)) { [weak self] in self?.pump() } }
    }
}
