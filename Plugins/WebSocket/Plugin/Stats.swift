import JSONSupport
import Synchronization

/// Counters for `describe()`; updated from any thread with relaxed atomics (they are reports,
/// not synchronization).
final class Stats: Sendable {
    let connections = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    let refused401 = Atomic<Int>(0)
    let refused403 = Atomic<Int>(0)
    let refused404 = Atomic<Int>(0)
    let refused503 = Atomic<Int>(0)
    let closedSlow = Atomic<Int>(0)
    let closedByProtocol = Atomic<Int>(0)
    let messagesReceived = Atomic<Int>(0)
    let framesSent = Atomic<Int>(0)
    let errorFrames = Atomic<Int>(0)
    let requestsSubmitted = Atomic<Int>(0)
    let requestsCancelled = Atomic<Int>(0)
    /// The most bytes ever queued transport-wide at once.
    let queuedHighWater = Atomic<Int>(0)

    func noteQueued(_ total: Int) {
        var seen = queuedHighWater.load(ordering: .relaxed)
        while total > seen {
            let (exchanged, original) = queuedHighWater.compareExchange(expected: seen, desired: total, ordering: .relaxed)
            if exchanged { return }
            seen = original
        }
    }

    func refused(status: Int) {
        switch status {
        case 401: refused401.add(1, ordering: .relaxed)
        case 403: refused403.add(1, ordering: .relaxed)
        case 404: refused404.add(1, ordering: .relaxed)
        default: refused503.add(1, ordering: .relaxed)
        }
    }

    var json: JSONValue {
        func value(_ counter: borrowing Atomic<Int>) -> JSONValue { .int(Int64(counter.load(ordering: .relaxed))) }
        return .object([
            "accepted": value(accepted),
            "refused": .object(["401": value(refused401), "403": value(refused403), "404": value(refused404), "503": value(refused503)]),
            "closed_slow": value(closedSlow), "closed_protocol_error": value(closedByProtocol),
            "messages_received": value(messagesReceived), "frames_sent": value(framesSent), "error_frames": value(errorFrames),
            "requests_submitted": value(requestsSubmitted), "requests_cancelled": value(requestsCancelled),
            "queued_bytes_high_water": value(queuedHighWater),
        ])
    }
}
