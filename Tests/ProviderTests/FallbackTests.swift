import Foundation
import PluginABI
import Synchronization
import PluginTestKit
import Testing
@testable import Host

/// The host's fallback list: the next provider (or model) takes over when one fails before streaming.
@Suite struct FallbackTests {
    /// Runs a chat request down a chain as a transport would, collecting what reaches the transport.
    func run(_ chain: ProviderChain, request: String = #"{"messages": [{"role": "user", "content": "hi"}]}"#) async throws -> [PluginEvent] {
        let received = Received()
        _ = try chain.start(request: request, sink: PluginEventSink(callback: Received.callback, user: Unmanaged.passUnretained(received).toOpaque()))
        for _ in 0..<1000 where !received.finished { try await Task.sleep(for: .milliseconds(10)) }
        return received.events
    }

    @Test func aProviderThatFailsBeforeStreamingIsReplacedByTheNextWithItsModel() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let failing = try ProviderHarness.create(mock: mock, ["model": .string("mock/status?code=500"), "retry": .object(["max_attempts": .int(1)])])
        let backup = try ProviderHarness.create(mock: mock, plugin: "Groq", component: "groq")
        defer { failing.destroy(); backup.destroy() }
        let log = CapturedLines()
        let chain = ProviderChain(candidates: [.init(instance: failing), .init(instance: backup, model: "mock/text?chunks=3")], logger: log.logger)
        let events = try await run(chain)
        #expect(events.map(\.kind).filter { $0 == .error }.isEmpty, "the client never sees the first failure")
        #expect(events.filter { $0.kind == .textDelta }.map(\.text).joined() == "w0 w1 w2 ")
        #expect(events.last?.kind == .done)
        #expect(log.text.contains("provider 'openai' failed before streaming"))
        let models = try await mock.requests().compactMap { $0["body"]?["model"]?.stringValue }
        #expect(models == ["mock/status?code=500", "mock/text?chunks=3"])
    }

    @Test func anErrorAfterStreamingBeganIsNotHiddenByAFallback() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let dropping = try ProviderHarness.create(mock: mock, ["model": .string("mock/drop?after=2")])
        let backup = try ProviderHarness.create(mock: mock, plugin: "Groq", component: "groq")
        defer { dropping.destroy(); backup.destroy() }
        let chain = ProviderChain(candidates: [.init(instance: dropping), .init(instance: backup)], logger: CapturedLines().logger)
        let events = try await run(chain)
        #expect(events.last?.kind == .error)
        #expect(try await mock.requests().count == 1, "no second model after text reached the client")
    }

    @Test func theLastCandidatesErrorReachesTheClient() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let first = try ProviderHarness.create(mock: mock, ["model": .string("mock/status?code=401")])
        let second = try ProviderHarness.create(mock: mock, plugin: "Groq", component: "groq", ["model": .string("mock/status?code=503"), "retry": .object(["max_attempts": .int(1)])])
        defer { first.destroy(); second.destroy() }
        let chain = ProviderChain(candidates: [.init(instance: first), .init(instance: second)], logger: CapturedLines().logger)
        let events = try await run(chain)
        #expect(events.count == 1 && events.last?.kind == .error)
        #expect(events.last?.data.contains("503") == true)
    }

    @Test func fallbacksAreConfiguredUnderActive() throws {
        let config = try HostConfig.parse("active:\n  provider: openrouter\n  fallbacks: [groq, {provider: openai, model: gpt-4o-mini}]\n", file: "p.yaml")
        #expect(config.active.fallbacks == [.init(provider: "groq", model: nil), .init(provider: "openai", model: "gpt-4o-mini")])
        #expect(config.active.ordered.map(\.name) == ["openrouter", "groq", "openai"])
        #expect(throws: ConfigError.self) { try HostConfig.parse("active:\n  fallbacks: [{model: x}]\n", file: "p.yaml") }
    }
}

/// Plays a transport receiving forwarded events.
final class Received: Sendable {
    private let state = Mutex<[PluginEvent]>([])
    var events: [PluginEvent] { state.withLock { $0 } }
    var finished: Bool { events.last?.isTerminal == true }

    static let callback: sb_event_fn = { user, event in
        guard let user, let event, let copy = PluginEvent(event) else { return SB_ERR_INVALID }
        Unmanaged<Received>.fromOpaque(user).takeUnretainedValue().state.withLock { $0.append(copy) }
        return SB_OK
    }
}

/// A logger whose lines a test can read.
final class CapturedLines: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined() } }
    var logger: Logger { Logger(level: .debug) { [self] line in lines.withLock { $0.append(line) } } }
}
