import Foundation
import Host
import PluginTestKit
import Testing

/// Streaming against the mock: text, tool calls, reasoning, usage, byte boundaries, non-streaming.
@Suite struct StreamingTests {
    @Test func streamsTextThenUsageFinishAndOneTerminal() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/text?chunks=20")
        #expect(events.text == (0..<20).map { "w\($0) " }.joined())
        #expect(events.first { $0.kind == .finish }?.text == "stop")
        let usage = try JSONValue.parse(try #require(events.first { $0.kind == .usage }?.data))
        #expect(usage == .object(["prompt_tokens": .int(11), "completion_tokens": .int(7), "total_tokens": .int(18), "cached_tokens": .int(3)]))
        #expect(events.filter(\.isTerminal).map(\.kind) == [.done])
    }

    /// Many events per network read (the mock's buffered writes, as ProviderBench uses them).
    @Test func eventsCoalescedIntoLargeWritesDecodeTheSame() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/text?chunks=300&flush=4096")
        #expect(events.text == (0..<300).map { "w\($0) " }.joined())
        #expect(events.filter(\.isTerminal).map(\.kind) == [.done])
    }

    /// The rest of the body after [DONE] is read, not aborted, so the next reply reuses the connection.
    @Test func consecutiveRepliesReuseTheConnection() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        for _ in 0..<3 {
            let events = try await ProviderHarness.chat(provider, model: "mock/text?chunks=5")
            #expect(events.terminal?.kind == .done)
        }
        let ports = try await mock.requests().compactMap { $0["client_port"] }
        #expect(ports.count == 3)
        #expect(ports.allSatisfy { $0 == ports.first }, "one connection for all three replies: \(ports)")
    }

    @Test(arguments: [1, 3, 7, 64])
    func chunksSplitAtArbitraryByteBoundariesDecodeTheSame(split: Int) async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/tools?split=\(split)")
        let calls = events.filter { $0.kind == .toolCall }
        #expect(calls.map(\.name) == ["get_weather", "get_time"])
        #expect(calls.map(\.data) == [#"{"city": "Paris"}"#, #"{"zoty": "UTC"}"#])
        #expect(calls.map(\.id) == ["call_a", "call_b"])
        #expect(events.first { $0.kind == .finish }?.text == "tool_calls")
        #expect(events.terminal?.kind == .done)
    }

    @Test(arguments: ["reasoning", "reasoning_content", "thinking", "reasoning_details"])
    func reasoningArrivesFromWhicheverFieldTheProviderUses(field: String) async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/reasoning?field=\(field)")
        #expect(events.reasoning == "Let me think.")
        #expect(events.text == "Answer.")
    }

    @Test func openRouterCommentsAreSkippedAndItsCostIsKept() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, plugin: "OpenRouter", component: "openrouter")
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/openrouter")
        #expect(events.text == "Hi there")
        let usage = try JSONValue.parse(try #require(events.first { $0.kind == .usage }?.data))
        #expect(usage["cost"]?.number == 0.00042)
        let sent = try #require(try await mock.requests().last)
        #expect(sent["headers"]?["x-title"] == .string("Switchboard"))
        #expect(sent["body"]?["usage"] == .object(["include": .bool(true)]))
    }

    @Test func nonStreamingRequestsGiveTheSameEvents() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock)
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider, model: "mock/tools", extra: ["stream": .bool(false)])
        #expect(events.filter { $0.kind == .toolCall }.map(\.data) == [#"{"city": "Paris"}"#])
        #expect(events.contains { $0.kind == .usage })
        #expect(events.terminal?.kind == .done)
    }

    @Test func costIsComputedFromThePriceTableWhenTheProviderReportsNone() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["prices": .object(["mock/text": .object(["prompt": .int(1_000_000), "completion": .int(2_000_000)])])])
        defer { provider.destroy() }
        let events = try await ProviderHarness.chat(provider)
        let usage = try JSONValue.parse(try #require(events.first { $0.kind == .usage }?.data))
        #expect(usage["cost"]?.number == 25, "11 prompt tokens at $1 each, 7 completion tokens at $2 each")
    }
}
