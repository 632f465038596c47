import Foundation
import Host
import Synchronization

/// Drives a built plugin through the real ABI, as the host does: `PluginLoader` loads the
/// `.so` from this build's products, `ComponentInstance` creates the component, and `call`
/// runs one op to its terminal event. Log lines are captured for assertions.
///
/// Threading: use from test tasks; `logLines` may be read while plugin threads still log.
public struct PluginHarness: Sendable {
    /// A terminal ERROR (or an unexpected ending) as a Swift error.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let status: Int32
        public let code: String
        public let message: String
        public var description: String { "\(code) (\(status)): \(message)" }
    }

    /// The folder holding this build's plugin `.so` files (next to the test bundle).
    public static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }
        return directory.path
    }()

    public let instance: ComponentInstance
    public let services: HostServices
    private let log: LogCapture

    /// Loads `lib<plugin>.so` and creates `component` with `config` (the plugins.yaml block).
    /// - Parameter hostConfiguration: what `config_get` answers (the effective plugins.yaml).
    public init(plugin: String, component: String, config: JSONValue = .object([:]),
                hostConfiguration: JSONValue = .object([:]), logLevel: LogLevel = .debug) throws {
        let capture = LogCapture()
        let services = HostServices(logger: Logger(level: logLevel, sink: { capture.append($0) }), configuration: hostConfiguration)
        let loaded = try PluginLoader.load(path: Self.buildDirectory + "/lib\(plugin).so", services: services).get()
        guard let descriptor = loaded.components.first(where: { $0.name == component }) else {
            throw Failure(status: -5, code: "not_found", message: "\(plugin) has no component \(component)")
        }
        self.services = services
        self.log = capture
        instance = try ComponentInstance(descriptor: descriptor, config: config, services: services)
    }

    /// Runs one op and returns its DONE data as JSON (`.null` when empty).
    /// - Throws: `Failure` for an ERROR or CANCELLED ending; `ComponentError` when start() refuses.
    @discardableResult
    public func call(_ op: String, _ request: JSONValue = .object([:])) async throws -> JSONValue {
        try Self.result(of: await events(op, request))
    }

    /// Runs one op and returns every event it produced, the terminal one last.
    public func events(_ op: String, _ request: JSONValue = .object([:])) async throws -> [PluginEvent] {
        try await instance.start(op: op, request: request.jsonText).events.collect()
    }

    /// The DONE data of a finished op's events, or its ending as a `Failure`.
    public static func result(of events: [PluginEvent]) throws -> JSONValue {
        guard let last = events.last else { throw Failure(status: 0, code: "", message: "no events") }
        switch last.kind {
        case .done: return last.data.isEmpty ? .null : try JSONValue.parse(last.data)
        case .error: throw Failure(status: last.status, code: last.name, message: last.text)
        default: throw Failure(status: last.status, code: "\(last.kind)", message: "ended with \(last.kind)")
        }
    }

    /// Every log line so far (`time LEVEL [component] message`).
    public var logLines: [String] { log.lines }

    /// Destroys the instance (idempotent).
    public func destroy() { instance.destroy() }
}

/// Runs blocking work (waiting for a process, a plugin's destroy) on a thread of its own and
/// awaits it. Swift's cooperative pool has one thread per core (2 here): blocking one starves
/// every other test's tasks, so tests never block it.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.start()
    }
}

/// Log lines captured from the host logger; bounded so a chatty plugin cannot exhaust memory.
final class LogCapture: Sendable {
    private let stored = Mutex<[String]>([])
    static let limit = 20_000

    func append(_ line: String) {
        stored.withLock { lines in if lines.count < Self.limit { lines.append(line) } }
    }

    var lines: [String] { stored.withLock { $0 } }
}

extension JSONValue {
    /// The elements of an array (empty for anything else).
    public var items: [JSONValue] { if case .array(let items) = self { return items } else { return [] } }
    /// The value of a boolean.
    public var boolValue: Bool? { if case .bool(let flag) = self { return flag } else { return nil } }
    /// The value of a number as a Double.
    public var numberValue: Double? {
        switch self {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }
}
