import Foundation
import Host
import PluginABI
import PluginTestKit
import Testing

/// Every failure the mock can provoke: status codes, hangs, drops, bad streams, cancellation.
@Suite struct FailureTests {
    func details(_ event: PluginEvent?) throws -> JSONValue { try JSONValue.parse(try #require(event).data) }

    @Test func retriesA429AfterItsRetryAfter() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let started = Date()
        let events = try await ProviderHarness.chat(provider, model: "mock/status?code=429&retry_after=1&fail_first=1")
        #expect(events.terminal?.kind == .done)
        #expect(Date().timeIntervalSince(started) >= 0.95, "waited for Retry-After")
        #expect(try await mock.requests().count == 2)
    }

    @Test func retries5xxWithBackoffThenGivesUpWithAStructuredError() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        #expect(try await ProviderHarness.chat(provider, model: "mock/status?code=500&fail_first=2").terminal?.kind == .done)
        let failing = try await ProviderHarness.chat(provider, model: "mock/status?code=503")
        #expect(failing.terminal?.kind == .error)
        let info = try details(failing.terminal)
        #expect(info["http_status"] == .int(503) && info["retryable"] == .bool(true))
        #expect(try await mock.requests().count == 3 + 3, "three attempts each")
    }

    @Test func a401IsNotRetriedAndTheKeyNeverAppears() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/status?code=401")
        let terminal = try #require(events.terminal)
        #expect(terminal.kind == .error)
        #expect(try details(terminal)["http_status"] == .int(401))
        #expect(try details(terminal)["retryable"] == .bool(false))
        #expect(!terminal.text.contains("sk-test-secret-4242") && !terminal.data.contains("sk-test-secret-4242"), "the mock echoed the key; it must be redacted")
        #expect(terminal.text.contains("[redacted]"))
        #expect(try await mock.requests().count == 1)
    }

    @Test func aHungServerTimesOut() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["timeout": .double(0.5), "retry": .object(["max_attempts": .int(1)])])
        defer { provider.destroy() }
        let started = Date()
        let events = try await ProviderHarness.chat(provider, model: "mock/hang")
        #expect(events.terminal?.kind == .error)
        #expect(events.terminal?.name == "timeout")
        #expect(events.terminal?.status == SB_ERR_TIMEOUT)
        #expect(Date().timeIntervalSince(started) < 15, "timed out instead of waiting for the hung server (bound generous for a loaded machine)")
    }

    /// `idle_timeout` bounds the silence, whatever the whole request's `timeout`.
    @Test func aServerSilentForIdleTimeoutTimesOut() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["timeout": .double(600), "idle_timeout": .double(1), "retry": .object(["max_attempts": .int(1)])])
        defer { provider.destroy() }
        let started = Date()
        let events = try await ProviderHarness.chat(provider, model: "mock/hang")
        #expect(events.terminal?.name == "timeout")
        #expect(events.terminal?.status == SB_ERR_TIMEOUT)
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 0.9 && elapsed < 15, "gave up after \(elapsed) s, not after about 1 s of silence")
    }

    @Test func aStreamThatStallsForIdleTimeoutTimesOutWithWhatStreamedAndIsNotRetried() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["idle_timeout": .double(2)])
        defer { provider.destroy() }
        // One chunk every 5 s: the first arrives at once, then the stream is silent for longer than
        // idle_timeout (2 s: room for the connection and the first chunk on a loaded machine).
        let events = try await ProviderHarness.chat(provider, model: "mock/text?chunks=3&rate=0.2")
        #expect(events.text == "w0 ")
        #expect(events.terminal?.name == "timeout")
        #expect(try await mock.requests().count == 1, "a retry would repeat text the client already saw")
    }

    @Test func aConnectionDroppedMidStreamIsAnErrorAndNeverRetried() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/drop?after=3")
        #expect(events.text == "w0 w1 w2 ")
        #expect(events.terminal?.kind == .error)
        #expect(events.terminal?.name == "stream_dropped")
        #expect(try await mock.requests().count == 1, "a retry would repeat text the client already saw")
    }

    @Test func aMidStreamErrorObjectBecomesAnErrorEvent() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/midstream_error?after=2")
        #expect(events.text == "w0 w1 ")
        #expect(events.terminal?.kind == .error)
        #expect(events.terminal?.text.contains("upstream model failed") == true)
    }

    @Test func malformedJSONInTheStreamIsAnErrorEvent() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/malformed?after=1")
        #expect(events.terminal?.kind == .error)
        #expect(events.terminal?.name == "malformed_chunk")
    }

    @Test func nothingListeningIsAConnectErrorAfterRetries() async throws {
        let provider = try ProviderHarness.create(config: ["base_url": .string("http://127.0.0.1:9/v1"), "model": .string("m"),
                                                           "retry": .object(["max_attempts": .int(2), "initial_delay": .double(0.01)])])
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider)
        #expect(events.terminal?.name == "connection_failed")
        #expect(try details(events.terminal)["retryable"] == .bool(true))
    }

    @Test func cancellingStopsTheTransferAtOnce() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let operation = try provider.start(op: "chat", request: #"{"model": "mock/text?chunks=200&rate=20", "messages": []}"#)
        var received: [PluginEvent] = []
        var cancelledAt: Date?
        for await event in operation.events {
            received.append(event)
            if received.count == 2 { cancelledAt = Date(); provider.cancel(operation.handle) }
        }
        #expect(received.last?.kind == .cancelled)
        #expect(Date().timeIntervalSince(try #require(cancelledAt)) < 0.1, "within 100 ms")
        #expect(provider.describe()?.contains(#""running":0"#) == true, "the limiter slot was freed")
    }

    @Test func theCircuitOpensAfterConsecutiveFailures() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["retry": .object(["max_attempts": .int(1)]),
                                                               "circuit_breaker": .object(["failure_threshold": .int(2), "cooldown": .int(60)])])
        defer { provider.destroy() }
        for _ in 0..<2 { _ = try await ProviderHarness.chat(provider, model: "mock/status?code=500") }
        let refused = try await ProviderHarness.chat(provider)
        #expect(refused.terminal?.name == "circuit_open")
        #expect(try await mock.requests().count == 2, "no request while the circuit is open")
        #expect(provider.describe()?.contains(#""state":"open""#) == true)
    }

    @Test func concurrencyLimitQueuesTheExcessInsteadOfFailing() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["limits": .object(["max_concurrent": .int(1)])])
        defer { provider.destroy() }
        async let first = ProviderHarness.chat(provider, model: "mock/text?chunks=5&rate=50")
        async let second = ProviderHarness.chat(provider, model: "mock/text?chunks=5&rate=50")
        let (a, b) = try await (first, second)
        #expect(a.terminal?.kind == .done && b.terminal?.kind == .done)
    }
}
