import Foundation
import Host
import PluginABI

/// The built SQLiteStore plugin, created through the real ABI as the host creates it.
struct StoreHarness {
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.path
    }()

    let instance: ComponentInstance
    let directory: String
    var path: String { directory + "/history.db" }

    struct Failure: Error, Equatable { let status: Int32; let code: String; let message: String }

    /// Creates the `sqlite` (or `memory`) component in a fresh folder with `config` merged in.
    init(component: String = "sqlite", config: [String: JSONValue] = [:], directory: String? = nil) throws {
        let folder = directory ?? NSTemporaryDirectory() + "store-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        self.directory = folder
        instance = try Self.create(component: component, config: ["db_path": .string(folder + "/history.db")].merging(config) { $1 })
    }

    static func create(component: String = "sqlite", config: [String: JSONValue]) throws -> ComponentInstance {
        let services = HostServices(logger: Logger(level: .error))
        let plugin = try PluginLoader.load(path: buildDirectory + "/libSQLiteStore.so", services: services).get()
        guard let descriptor = plugin.components.first(where: { $0.name == component }) else { throw Failure(status: -5, code: "", message: "no \(component)") }
        return try ComponentInstance(descriptor: descriptor, config: .object(config), services: services)
    }

    /// Runs one op and returns its result, or throws its ERROR event as a `Failure`.
    @discardableResult
    func call(_ op: String, _ request: JSONValue) async throws -> JSONValue {
        try await Self.call(instance, op, request)
    }

    static func call(_ instance: ComponentInstance, _ op: String, _ request: JSONValue) async throws -> JSONValue {
        let events = try await instance.start(op: op, request: request.jsonText).events.collect()
        guard let last = events.last else { throw Failure(status: 0, code: "", message: "no events") }
        switch last.kind {
        case .done: return last.data.isEmpty ? .null : try JSONValue.parse(last.data)
        case .error: throw Failure(status: last.status, code: last.name, message: last.text)
        default: throw Failure(status: 0, code: "", message: "ended with \(last.kind)")
        }
    }

    func remove() {
        instance.destroy()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

extension JSONValue {
    init(_ object: [String: JSONValue]) { self = .object(object) }
    var array: [JSONValue] { if case .array(let items) = self { return items } else { return [] } }
    var int: Int64? { if case .int(let n) = self { return n } else { return nil } }
}

/// A message request in the store's shape.
func message(_ role: String, _ content: String, request: String? = nil, status: String? = nil,
             toolCalls: JSONValue? = nil, toolCallID: String? = nil) -> JSONValue {
    var object: [String: JSONValue] = ["role": .string(role), "content": .string(content)]
    if let request { object["request_id"] = .string(request) }
    if let status { object["status"] = .string(status) }
    if let toolCalls { object["tool_calls"] = toolCalls }
    if let toolCallID { object["tool_call_id"] = .string(toolCallID) }
    return .object(object)
}
