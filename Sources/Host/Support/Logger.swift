import Foundation
import Synchronization

/// How much the host logs. Ordered from most to least verbose.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case trace, debug, info, warn, error

    /// Parses a level name as written in plugins.yaml (`info`, `warn`, ...).
    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { $0.name == name.lowercased() }) else { return nil }
        self = level
    }

    /// Maps an `SB_LOG_*` value from a plugin; out-of-range values clamp.
    init(abiLevel: Int32) {
        self = LogLevel(rawValue: Int(min(max(abiLevel, 0), 4))) ?? .info
    }

    public var name: String { ["trace", "debug", "info", "warn", "error"][rawValue] }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// How log lines look: `time LEVEL [component] message key=value ...`, or one JSON object a line.
public enum LogFormat: String, Sendable, CaseIterable { case text, json }

/// The host log: one line per message, `time LEVEL [component] message` (or JSON, by config).
///
/// Thread-safe; plugins reach it through `sb_host_api.log` from any thread. Each line goes out in
/// one `write(2)`, so lines from different threads never interleave.
public final class Logger: Sendable {
    private let minimum: Atomic<Int>
    private let json: Atomic<Bool>
    private let sink: @Sendable (String) -> Void

    /// - Parameter sink: receives each finished line, newline included (default: standard error).
    public init(level: LogLevel = .info, format: LogFormat = .text, sink: @escaping @Sendable (String) -> Void = Logger.standardError) {
        self.minimum = Atomic(level.rawValue)
        self.json = Atomic(format == .json)
        self.sink = sink
    }

    public var format: LogFormat {
        get { json.load(ordering: .relaxed) ? .json : .text }
        set { json.store(newValue == .json, ordering: .relaxed) }
    }

    public var level: LogLevel {
        get { LogLevel(rawValue: minimum.load(ordering: .relaxed)) ?? .info }
        set { minimum.store(newValue.rawValue, ordering: .relaxed) }
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level.rawValue >= minimum.load(ordering: .relaxed) }

    /// Writes one line. `fields` (a request id, a conversation id, timings) follow the message as
    /// `key=value` in text, or as members of the JSON object.
    public func log(_ level: LogLevel, _ component: String, _ message: String, fields: [String: JSONValue] = [:]) {
        guard isEnabled(level) else { return }
        let time = Date().formatted(.iso8601.time(includingFractionalSeconds: true).year().month().day())
        if json.load(ordering: .relaxed) {
            var members = fields
            members["time"] = .string(time)
            members["level"] = .string(level.name)
            members["component"] = .string(component)
            members["message"] = .string(message)
            sink(JSONValue.object(members).jsonText + "\n")
            return
        }
        let padded = level.name.uppercased().padding(toLength: 5, withPad: " ", startingAt: 0)
        let extra = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value.stringValue ?? $0.value.jsonText)" }.joined()
        sink("\(time) \(padded) [\(component)] \(message)\(extra)\n")
    }

    public func info(_ component: String, _ message: String) { log(.info, component, message) }
    public func warn(_ component: String, _ message: String) { log(.warn, component, message) }
    public func error(_ component: String, _ message: String) { log(.error, component, message) }
    public func debug(_ component: String, _ message: String) { log(.debug, component, message) }

    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        _ = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
    }
}
