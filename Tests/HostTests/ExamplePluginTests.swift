import Foundation
import PluginABI
import Synchronization
import Testing
@testable import Host

/// The two example plugins, built by this package, driven through the real ABI.
@Suite struct ExamplePluginTests {
    let services = HostServices(logger: Logger(level: .error))

    func component(_ plugin: String, _ name: String) throws -> ComponentDescriptor {
        let loaded = try PluginLoader.load(path: TestPaths.builtPlugin(plugin), services: services).get()
        return try #require(loaded.components.first { $0.name == name })
    }

    func echo(config: JSONValue = .object([:])) throws -> ComponentInstance {
        try ComponentInstance(descriptor: component("ExampleC", "echo"), config: config, services: services)
    }

    @Test func cEchoStreamsTheRequestWordByWordThenExactlyOneTerminal() async throws {
        let instance = try echo()
        defer { instance.destroy() }
        let request = #"{"messages": [{"role": "user", "content": "hello there"}]}"#
        let events = try await instance.start(op: "chat", request: request).events.collect()
        let texts = events.filter { $0.kind == .textDelta }.map(\.text)
        #expect(texts.count == request.split(separator: " ").count)
        #expect(texts.joined() == request)
        #expect(events.suffix(3).map(\.kind) == [.usage, .finish, .done])
        #expect(events.filter(\.isTerminal).count == 1)
        #expect(events.first { $0.kind == .finish }?.text == "stop")
    }

    @Test func cancellingMidStreamEndsWithCancelledAndStopsTheThread() async throws {
        let instance = try echo(config: .object(["delay_ms": .int(20)]))
        defer { instance.destroy() }
        let words = Array(repeating: "word", count: 200).joined(separator: " ")  // 4 s of streaming
        let operation = try instance.start(op: "chat", request: words)
        // Cancel at once rather than after the n-th event: on a loaded machine the consuming task
        // may not run until much later, and the property under test is the plugin's, not the scheduler's.
        instance.cancel(operation.handle)
        let received = await operation.events.collect()
        #expect(received.last?.kind == .cancelled)
        #expect(received.filter { $0.kind == .textDelta }.count < 200, "stopped before the end of the text")
        // The thread unlinks itself just after its terminal event: allow it a moment (bounded).
        var state = instance.describe()
        for _ in 0..<500 where state != #"{"state":"up","running":0,"delay_ms":20}"# {
            try await Task.sleep(for: .milliseconds(10))
            state = instance.describe()
        }
        #expect(state == #"{"state":"up","running":0,"delay_ms":20}"#)
    }

    @Test func destroyCancelsRunningOperationsBeforeReturning() async throws {
        let instance = try echo(config: .object(["delay_ms": .int(50)]))
        let operation = try instance.start(op: "chat", request: "a b c d e f g h i j")
        instance.destroy()
        let events = await operation.events.collect()
        #expect(events.last?.kind == .cancelled)
        #expect(throws: ComponentError.self) { try instance.start(op: "chat", request: "x") }
    }

    @Test func burstDeliversEveryEventInOrder() async throws {
        let instance = try echo()
        defer { instance.destroy() }
        let events = try await instance.start(op: "burst", request: #"{"count": 10000}"#).events.collect()
        #expect(events.filter { $0.kind == .textDelta }.count == 10000)
        #expect(events.last?.kind == .done)
    }

    @Test func unknownOpIsRefusedWithoutEvents() throws {
        let instance = try echo()
        defer { instance.destroy() }
        let error = #expect(throws: ComponentError.self) { try instance.start(op: "embed", request: "{}") }
        #expect(error?.status == SB_ERR_UNSUPPORTED)
        #expect(error?.message == "echo supports the ops \"chat\" and \"burst\"")
    }

    @Test func invalidReconfigureKeepsTheOldConfigurationAndAValidOneApplies() throws {
        let instance = try echo(config: .object(["delay_ms": .int(5)]))
        defer { instance.destroy() }
        let error = #expect(throws: ComponentError.self) { try instance.reconfigure(.object(["delay_ms": .int(-3)])) }
        #expect(error?.message == "delay_ms must be a whole number of milliseconds from 0 to 60000")
        #expect(instance.describe() == #"{"state":"up","running":0,"delay_ms":5}"#)
        try instance.reconfigure(.object(["delay_ms": .int(30)]))
        #expect(instance.describe() == #"{"state":"up","running":0,"delay_ms":30}"#)
    }

    @Test func swiftToolSourceListsAndCallsTools() async throws {
        let tools = try ComponentInstance(descriptor: component("ExampleSwift", "example_tools"), config: .object([:]), services: services)
        defer { tools.destroy() }
        let list = try await tools.start(op: "list", request: "{}").events.collect()
        let catalog = try JSONValue.parse(try #require(list.last?.data))
        guard case .array(let entries)? = catalog["tools"] else { Issue.record("no tools array"); return }
        #expect(entries.compactMap { $0["name"]?.stringValue } == ["reverse_text", "word_count"])

        let call = try await tools.start(op: "call_tool", request: #"{"name": "reverse_text", "arguments": {"text": "abc"}}"#).events.collect()
        #expect(call.map(\.kind) == [.done])
        let result = try JSONValue.parse(call[0].data)
        #expect(result["is_error"] == .bool(false))
        #expect(result["content"] == .array([.object(["type": .string("text"), "text": .string("cba")])]))

        let unknown = try await tools.start(op: "call_tool", request: #"{"name": "nope", "arguments": {}}"#).events.collect()
        #expect(try JSONValue.parse(unknown[0].data)["is_error"] == .bool(true))
        #expect(tools.describe() == #"{"state":"up"}"#)
    }

    @Test func swiftPluginRejectsBadConfigWithItsOwnMessage() throws {
        let error = #expect(throws: ComponentError.self) {
            try ComponentInstance(descriptor: component("ExampleSwift", "example_tools"), config: .object(["max_input_chars": .int(0)]), services: services)
        }
        #expect(error == ComponentError(status: SB_ERR_INVALID, message: "max_input_chars must be a positive whole number"))
    }

    @Test func swiftPluginCarriesTheHostToolchain() throws {
        let plugin = try PluginLoader.load(path: TestPaths.builtPlugin("ExampleSwift"), services: services).get()
        #expect(plugin.toolchain == String(cString: sb_swift_toolchain()))
    }

    @Test func transportSubmitThroughTheHostTableReachesTheProvider() async throws {
        let echo = try echo()
        defer { echo.destroy() }
        services.requestHandler = Orchestrator(settings: ChatSettings(), chain: ProviderChain(candidates: [.init(instance: echo)], logger: services.logger),
                                               store: nil, toolSources: [], services: services)
        let transport = services.makeContext(name: "test_transport")
        let collector = EventCollector()
        var handle: UInt64 = 0
        let request = #"{"owner": "o", "request_id": "1", "text": "one two three"}"#
        let status = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { err in
            HostAPITable.pointer.pointee.submit(transport.hostRef, "chat", request, request.utf8.count, EventCollector.callback,
                                                Unmanaged.passUnretained(collector).toOpaque(), &handle, err.baseAddress, 256)
        }
        #expect(status == SB_OK)
        let events = await collector.waitForTerminal()
        // The echo provider streams back the chat request the orchestrator built: the system prompt and the text.
        #expect(events.filter { $0.kind == .textDelta }.map(\.text).joined().contains(#""content":"one two three""#))
        #expect(events.last?.kind == .done)

        let refused = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { err in
            let status = HostAPITable.pointer.pointee.submit(transport.hostRef, "dance", "{}", 2, EventCollector.callback,
                                                             Unmanaged.passUnretained(collector).toOpaque(), &handle, err.baseAddress, 256)
            return (status, String(cString: err.baseAddress!))
        }
        #expect(refused.0 == SB_ERR_UNSUPPORTED)
        #expect(refused.1.hasPrefix("unknown op 'dance' (this host supports: chat, resume, cancel"))
    }

    @Test func duringShutdownSubmitIsRefusedButCancelStillReachesTheProvider() async throws {
        let echo = try echo(config: .object(["delay_ms": .int(20)]))
        defer { echo.destroy() }
        let relay = Orchestrator(settings: ChatSettings(), chain: ProviderChain(candidates: [.init(instance: echo)], logger: services.logger),
                                 store: nil, toolSources: [], services: services)
        services.requestHandler = relay
        let transport = services.makeContext(name: "test_transport")
        let collector = EventCollector()
        var handle: UInt64 = 0
        let words = #"{"owner": "o", "request_id": "1", "text": ""# + Array(repeating: "w", count: 100).joined(separator: " ") + "\"}"
        let table = HostAPITable.pointer.pointee
        #expect(table.submit(transport.hostRef, "chat", words, words.utf8.count, EventCollector.callback,
                             Unmanaged.passUnretained(collector).toOpaque(), &handle, nil, 0) == SB_OK)
        relay.stopAccepting()
        var refusedHandle: UInt64 = 0
        #expect(table.submit(transport.hostRef, "chat", "{}", 2, EventCollector.callback,
                             Unmanaged.passUnretained(collector).toOpaque(), &refusedHandle, nil, 0) == SB_ERR_UNAVAILABLE)
        table.cancel(transport.hostRef, handle)
        let events = await collector.waitForTerminal()
        #expect(events.last?.kind == .cancelled)
        #expect(events.filter { $0.kind == .textDelta }.count < 100)
    }

    @Test func hostTableLogsMetricsAndConfigReachTheHost() throws {
        let log = CapturedLog()
        let services = HostServices(logger: log.makeLogger(), configuration: .object(["a": .object(["b": .int(7)])]))
        let context = services.makeContext(name: "probe")
        let table = HostAPITable.pointer.pointee
        table.log(context.hostRef, SB_LOG_WARN, "disk nearly full")
        #expect(log.text.contains("WARN  [probe] disk nearly full"))
        table.metric(context.hostRef, SB_METRIC_COUNTER, "probe_requests_total", "outcome=\"ok\"", 2)
        table.metric(context.hostRef, SB_METRIC_COUNTER, "probe_requests_total", "outcome=\"ok\"", 3)
        table.metric(context.hostRef, SB_METRIC_COUNTER, "Bad Name", nil, 1)
        #expect(services.metrics.sample("probe_requests_total", labels: "outcome=\"ok\"")?.value == 5)
        #expect(log.text.contains("dropped invalid metric sample 'Bad Name'"))

        final class Box { var json = "" }
        let box = Box()
        let found = table.config_get(context.hostRef, "a.b", { user, json, length in
            Unmanaged<Box>.fromOpaque(user!).takeUnretainedValue().json = String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self)
        }, Unmanaged.passUnretained(box).toOpaque())
        #expect(found == SB_OK && box.json == "7")
        #expect(table.config_get(context.hostRef, "a.zzz", { _, _, _ in }, nil) == SB_ERR_NOT_FOUND)
        table.notify(context.hostRef, UInt32(SB_NOTIFY_STATE), #"{"state":"down"}"#, 16)
        #expect(services.componentStates["probe"] == #"{"state":"down"}"#)
    }
}

/// Plays a transport's part: receives events from `sb_host_api.submit` on any thread.
final class EventCollector: Sendable {
    private let events = Mutex<[PluginEvent]>([])

    static let callback: sb_event_fn = { user, event in
        guard let user, let event, let copy = PluginEvent(event) else { return SB_ERR_INVALID }
        Unmanaged<EventCollector>.fromOpaque(user).takeUnretainedValue().events.withLock { $0.append(copy) }
        return SB_OK
    }

    /// Waits (bounded, 10 s) for the terminal event and returns everything received.
    func waitForTerminal() async -> [PluginEvent] {
        for _ in 0..<1000 {
            let snapshot = events.withLock { $0 }
            if snapshot.last?.isTerminal == true { return snapshot }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return events.withLock { $0 }
    }
}
