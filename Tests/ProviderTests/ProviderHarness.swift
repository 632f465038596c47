import Foundation
import FoundationNetworking
import Host
import PluginABI
import PluginTestKit

/// A provider plugin built by this package, created through the ABI against the mock.
struct ProviderHarness {
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.path
    }()

    static func create(plugin: String = "OpenAI", component: String = "openai", config: [String: JSONValue]) throws -> ComponentInstance {
        let services = HostServices(logger: Logger(level: .error))
        let loaded = try PluginLoader.load(path: buildDirectory + "/lib\(plugin).so", services: services).get()
        guard let descriptor = loaded.components.first(where: { $0.name == component }) else { throw ComponentError(status: -5, message: component) }
        return try ComponentInstance(descriptor: descriptor, config: .object(config), services: services)
    }

    /// A provider pointed at `mock`, with fast retries so failure tests stay quick.
    static func create(mock: MockLLM, plugin: String = "OpenAI", component: String = "openai", _ extra: [String: JSONValue] = [:]) throws -> ComponentInstance {
        try create(plugin: plugin, component: component, config: [
            "base_url": .string(mock.baseURL), "api_key": .string("sk-test-secret-4242"), "model": .string("mock/text"),
            "retry": .object(["max_attempts": .int(3), "initial_delay": .double(0.05), "max_delay": .double(0.2)]),
        ].merging(extra) { $1 })
    }

    static func chat(_ provider: ComponentInstance, model: String? = nil, extra: [String: JSONValue] = [:]) async throws -> [PluginEvent] {
        var request: [String: JSONValue] = ["messages": .array([.object(["role": .string("user"), "content": .string("hi")])])]
        if let model { request["model"] = .string(model) }
        return try await provider.start(op: "chat", request: JSONValue.object(request.merging(extra) { $1 }).jsonText).events.collect()
    }
}

extension JSONValue {
    /// The value as a number, whether JSON wrote it as an integer or not.
    var number: Double? {
        switch self {
        case .int(let n): return Double(n)
        case .double(let n): return n
        default: return nil
        }
    }
}

extension [PluginEvent] {
    var text: String { filter { $0.kind == .textDelta }.map(\.text).joined() }
    var reasoning: String { filter { $0.kind == .reasoningDelta }.map(\.text).joined() }
    var terminal: PluginEvent? { last(where: \.isTerminal) }
}
