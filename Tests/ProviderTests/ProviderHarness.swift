import Foundation
import FoundationNetworking
import Host
import PluginABI
import PluginTestKit

/// The mock OpenAI-compatible server (Tests/MockLLM/mock_openai.py) on a free 127.0.0.1 port.
final class MockLLM: @unchecked Sendable {
    let process: Process
    let port: Int
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path + "/MockLLM/mock_openai.py"

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts a mock and waits until it reports its port. The process is launched on the
    /// caller's thread (Foundation's child monitoring must not belong to a thread that ends);
    /// only the blocking read waits off the cooperative pool (see `offThePool`).
    static func start() async throws -> MockLLM {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        // Its own stderr: an inherited one would keep `swift test`'s pipe open if a mock outlived a test.
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = await offThePool {
            var line = ""
            for _ in 0..<100 where !line.contains("\n") {  // bounded: the first line, "PORT <n>"
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                line += String(decoding: data, as: UTF8.self)
            }
            return line
        }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ComponentError(status: -1, message: "the mock did not report its port: \(line)")
        }
        return MockLLM(process: process, port: port)
    }

    /// What the mock received: each request's headers and body.
    func requests() async throws -> [JSONValue] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/_requests")!)
        guard case .array(let items) = try JSONValue.parse(String(decoding: data, as: UTF8.self)) else { return [] }
        return items
    }

    /// Kills the mock (SIGKILL: nothing to flush) and reaps it.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

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
