import Foundation
import PluginABI
import PluginTestKit
import Synchronization
@testable import Host

/// A host without a transport: the mock LLM behind the OpenAI plugin, the SQLite store in a
/// temporary folder, the native tools, and the orchestrator. Tests submit host ops through the
/// real `sb_host_api` table, exactly as a transport does.
final class ChatRig: @unchecked Sendable {
    let mock: MockLLM
    let services: HostServices
    let orchestrator: Orchestrator
    let instances: [ComponentInstance]
    let directory: String
    private let transport: InstanceContext

    /// The repository's root, for the MCP test servers and their virtualenv.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// - Parameter mcpServers: servers for an `mcp` tool source (the `mcpServers` map), after the native tools.
    static func start(_ settings: ChatSettings = ChatSettings(), model: String = "mock/text?chunks=5",
                      provider extra: [String: JSONValue] = [:], mcpServers: [String: JSONValue]? = nil) async throws -> ChatRig {
        let mock = try await MockLLM.start()
        let directory = NSTemporaryDirectory() + "chat-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let services = HostServices(logger: Logger(level: .error))
        func create(_ plugin: String, _ component: String, _ config: [String: JSONValue]) throws -> ComponentInstance {
            let loaded = try PluginLoader.load(path: PluginHarness.buildDirectory + "/lib\(plugin).so", services: services).get()
            let descriptor = loaded.components.first { $0.name == component }!
            return try ComponentInstance(descriptor: descriptor, config: .object(config), services: services)
        }
        let store = try create("SQLiteStore", "sqlite", ["db_path": .string(directory + "/chat.db")])
        var toolSources = [try create("NativeTools", "native_tools", [:])]
        if let mcpServers {
            let file = directory + "/servers_config.json"
            try JSONValue.object(["mcpServers": .object(mcpServers)]).jsonText.write(toFile: file, atomically: true, encoding: .utf8)
            toolSources.append(try create("MCP", "mcp", ["servers_config": .string(file)]))
        }
        let provider = try create("OpenAI", "openai", [
            "base_url": .string(mock.baseURL), "api_key": .string("sk-test"), "model": .string(model),
            "retry": .object(["max_attempts": .int(1)]),
        ].merging(extra) { $1 })
        let chain = ProviderChain(candidates: [.init(instance: provider, defaultModel: model)], logger: services.logger)
        let orchestrator = Orchestrator(settings: settings, chain: chain, store: store, toolSources: toolSources, services: services)
        services.requestHandler = orchestrator
        return ChatRig(mock: mock, services: services, orchestrator: orchestrator, instances: [provider] + toolSources + [store], directory: directory)
    }

    private init(mock: MockLLM, services: HostServices, orchestrator: Orchestrator, instances: [ComponentInstance], directory: String) {
        (self.mock, self.services, self.orchestrator, self.instances, self.directory) = (mock, services, orchestrator, instances, directory)
        transport = services.makeContext(name: "test_transport")
    }

    var store: ComponentInstance { instances.last! }

    /// Submits a host op as a transport would. Throws the synchronous refusal, if any.
    func submit(_ op: String, _ request: JSONValue) throws -> Watch {
        let watch = Watch()
        var text = request.jsonText
        let (status, message) = text.withUTF8 { body in
            withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { err in
                err[0] = 0
                let status = HostAPITable.pointer.pointee.submit(transport.hostRef, op, UnsafeRawPointer(body.baseAddress!).assumingMemoryBound(to: CChar.self),
                                                                 body.count, Watch.callback, Unmanaged.passRetained(watch).toOpaque(), &watch.handle, err.baseAddress, 512)
                return (status, String(cString: err.baseAddress!))
            }
        }
        guard status == SB_OK else {
            Unmanaged.passUnretained(watch).release()
            throw ComponentError(status: status, message: message)
        }
        return watch
    }

    func chat(_ text: String, id: String = UUID().uuidString, conversation: String? = nil, owner: String = "alice",
              model: String? = nil, extra: [String: JSONValue] = [:]) throws -> Watch {
        var request: [String: JSONValue] = ["owner": .string(owner), "request_id": .string(id), "text": .string(text)]
        if let conversation { request["conversation_id"] = .string(conversation) }
        if let model { request["model"] = .string(model) }
        return try submit("chat", .object(request.merging(extra) { $1 }))
    }

    func cancel(_ watch: Watch) { HostAPITable.pointer.pointee.cancel(transport.hostRef, watch.handle) }

    /// A store op's result, for assertions on what was persisted.
    func stored(_ conversation: String, owner: String = "alice") async throws -> [JSONValue] {
        let events = try await store.start(op: "get_conversation", request: JSONValue.object([
            "conversation_id": .string(conversation), "owner": .string(owner), "messages_limit": .int(500)]).jsonText).events.collect()
        guard let done = events.last, done.kind == .done else { throw ComponentError(status: -1, message: "get_conversation: \(events.last?.text ?? "")") }
        return try JSONValue.parse(done.data)["messages"]?.arrayValue ?? []
    }

    func stop() {
        services.requestHandler = nil
        orchestrator.stopAccepting()
        for instance in instances { instance.destroy() }
        mock.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// One submitted op's events, as the transport's callback received them.
final class Watch: @unchecked Sendable {
    private let events = Mutex<[PluginEvent]>([])
    var handle: UInt64 = 0

    static let callback: sb_event_fn = { user, event in
        guard let user, let event, let copy = PluginEvent(event) else { return SB_ERR_INVALID }
        let watch = Unmanaged<Watch>.fromOpaque(user)
        watch.takeUnretainedValue().events.withLock { $0.append(copy) }
        if copy.isTerminal { watch.release() }  // the host promises nothing after the terminal event
        return SB_OK
    }

    var received: [PluginEvent] { events.withLock { $0 } }

    /// Waits (bounded) until `condition` holds for the events so far.
    func wait(seconds: Double = 15, until condition: ([PluginEvent]) -> Bool) async -> [PluginEvent] {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            let snapshot = received
            if condition(snapshot) { return snapshot }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return received
    }

    func terminal(seconds: Double = 15) async -> [PluginEvent] { await wait(seconds: seconds) { $0.last?.isTerminal == true } }
}

extension [PluginEvent] {
    var text: String { filter { $0.kind == .textDelta }.map(\.text).joined() }
    var ending: PluginEvent? { last(where: \.isTerminal) }
    var doneData: JSONValue? { ending.flatMap { $0.kind == .done ? try? JSONValue.parse($0.data) : nil } }
    var toolStatuses: [PluginEvent] { filter { $0.kind == .toolStatus } }
}
