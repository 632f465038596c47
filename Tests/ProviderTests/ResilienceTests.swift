import Foundation
import Synchronization
import PluginTestKit
import Testing
@testable import OpenAICompatible

/// Retry, circuit breaker and outbound limits as plain state machines with an injected clock.
@Suite struct ResilienceTests {
    @Test func retriesConnectErrors429And5xxButNot4xx() {
        #expect(RetryPolicy.isRetryable(status: nil, failure: .connect))
        #expect(RetryPolicy.isRetryable(status: nil, failure: .timeout))
        #expect(!RetryPolicy.isRetryable(status: nil, failure: .dropped))
        #expect(RetryPolicy.isRetryable(status: 429, failure: nil))
        #expect(RetryPolicy.isRetryable(status: 503, failure: nil))
        #expect(!RetryPolicy.isRetryable(status: 401, failure: nil))
        #expect(!RetryPolicy.isRetryable(status: 400, failure: nil))
    }

    @Test func backoffGrowsExponentiallyWithJitterAndStops() {
        let policy = RetryPolicy(maxAttempts: 4, initialDelay: 1, maxDelay: 3)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0) == 0.5)
        #expect(policy.delay(afterAttempt: 1, retryAfter: nil, random: 0.999)! > 0.99)
        #expect(policy.delay(afterAttempt: 2, retryAfter: nil, random: 0) == 1.0)
        #expect(policy.delay(afterAttempt: 3, retryAfter: nil, random: 1) == 3.0, "capped at maxDelay")
        #expect(policy.delay(afterAttempt: 4, retryAfter: nil, random: 0) == nil, "no attempts left")
    }

    @Test func retryAfterIsHonouredUpToALimit() {
        let policy = RetryPolicy(maxAttempts: 3, maxRetryAfter: 10)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 2, random: 0.5) == 2)
        #expect(policy.delay(afterAttempt: 1, retryAfter: 60, random: 0.5) == nil)
        #expect(RetryPolicy.retryAfterSeconds("3") == 3)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        #expect(RetryPolicy.retryAfterSeconds("Tue, 14 Nov 2023 22:13:25 GMT", now: now) == 5)
        #expect(RetryPolicy.retryAfterSeconds("soon") == nil)
    }

    @Test func circuitOpensAfterConsecutiveFailuresAndProbesAfterCooldown() {
        let clock = TestClock()
        let breaker = CircuitBreaker(failureThreshold: 3, cooldown: 10, now: clock.read)
        breaker.recordFailure(); breaker.recordFailure()
        #expect(breaker.allowRequest())
        breaker.recordFailure()
        #expect(breaker.state == .open(until: 10))
        #expect(!breaker.allowRequest())
        clock.advance(10)
        #expect(breaker.allowRequest(), "one half-open probe")
        #expect(!breaker.allowRequest(), "only one probe at a time")
        breaker.recordFailure()
        #expect(breaker.state == .open(until: 20))
        clock.advance(10)
        #expect(breaker.allowRequest())
        breaker.recordSuccess()
        #expect(breaker.state == .closed && breaker.allowRequest())
    }

    @Test func concurrencyLimitQueuesInsteadOfFailing() {
        let clock = TestClock(), log = Mutex<[String]>([])
        let limiter = OutboundLimiter(limits: .init(maxConcurrent: 2), now: clock.read, schedule: { _, _ in })
        for index in 0..<4 {
            limiter.submit(tokens: 1, start: { log.withLock { $0.append("start \(index)") } }, refuse: { _ in log.withLock { $0.append("refuse \(index)") } })
        }
        #expect(log.withLock { $0 } == ["start 0", "start 1"])
        #expect(limiter.queuedCount == 2)
        limiter.finished()
        #expect(log.withLock { $0 } == ["start 0", "start 1", "start 2"], "first in, first out")
    }

    @Test func requestsPerMinuteWaitForTheWindowAndTheQueueIsBounded() {
        let clock = TestClock(), log = Mutex<[String]>([]), wakeups = Mutex<[(Double, @Sendable () -> Void)]>([])
        let limiter = OutboundLimiter(limits: .init(requestsPerMinute: 2, maxQueued: 2), now: clock.read,
                                      schedule: { delay, work in wakeups.withLock { $0.append((delay, work)) } })
        for index in 0..<5 {
            limiter.submit(tokens: 0, start: { log.withLock { $0.append("start \(index)") } }, refuse: { _ in log.withLock { $0.append("refuse \(index)") } })
        }
        #expect(log.withLock { $0 } == ["start 0", "start 1", "refuse 4"])
        #expect(wakeups.withLock { $0.last?.0 } == 60)
        clock.advance(60)
        wakeups.withLock { $0.last?.1 }?()
        #expect(log.withLock { $0 }.suffix(2) == ["start 2", "start 3"])
    }

    @Test func tokensPerMinuteAdmitOneLargeRequestThenWait() {
        let clock = TestClock(), log = Mutex<[String]>([])
        let limiter = OutboundLimiter(limits: .init(tokensPerMinute: 1000), now: clock.read, schedule: { _, _ in })
        limiter.submit(tokens: 800, start: { log.withLock { $0.append("a") } }, refuse: { _ in })
        limiter.submit(tokens: 300, start: { log.withLock { $0.append("b") } }, refuse: { _ in })
        #expect(log.withLock { $0 } == ["a"])
    }

    @Test func queuedRequestsThatWaitTooLongAreRefused() {
        let clock = TestClock(), log = Mutex<[String]>([])
        let limiter = OutboundLimiter(limits: .init(maxConcurrent: 1, maxWait: 5), now: clock.read, schedule: { _, _ in })
        limiter.submit(tokens: 0, start: {}, refuse: { _ in })
        limiter.submit(tokens: 0, start: { log.withLock { $0.append("late start") } }, refuse: { reason in log.withLock { $0.append(reason.contains("waited more than 5 s") ? "refused" : reason) } })
        clock.advance(6)
        limiter.finished()
        #expect(log.withLock { $0 } == ["refused"])
    }
}

/// A manual clock for state machines that take `now` as a closure.
final class TestClock: Sendable {
    private let time = Mutex(0.0)
    var read: @Sendable () -> Double { { [self] in time.withLock { $0 } } }
    func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}
