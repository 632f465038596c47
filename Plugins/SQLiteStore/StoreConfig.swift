import Foundation
import JSONSupport

/// The store's config block, with the setting names the Python backends' users already know.
///
/// ```yaml
/// db_path: switchboard.db          # ":memory:" for an ephemeral store
/// busy_timeout_ms: 5000            # wait this long for another process's lock, then fail
/// synchronous: full                # full (every commit durable) or normal (faster; a power cut may lose the last commits)
/// max_size_mb: 0                   # 0 = unlimited; beyond it appends fail with database_full
/// readers: 4                       # read connections (0: all work on the writer thread)
/// persistence: {persist_deltas: true, interval_ms: 200, min_chars: 1024}
/// retention: {max_age_hours: 0, max_messages: 0, max_sessions: 0, cleanup_interval_minutes: 60}
/// saved_sessions: {retention_days: 0, max_saved: 50, max_messages: 0}
/// ```
/// Zero means "no limit" for every retention setting.
struct StoreConfig: Equatable {
    struct Retention: Equatable {
        var maxAgeHours = 0.0
        var maxMessages = 0
        var maxSessions = 0
    }

    var path = "switchboard.db"
    var busyTimeoutMs: Int32 = 5000
    var synchronous = "FULL"
    var maxSizeMB = 0
    var readers = 4
    var persistDeltas = true
    var flushIntervalMs = 200
    var flushMinChars = 1024
    var retention = Retention()
    var savedRetention = Retention(maxAgeHours: 0, maxMessages: 0, maxSessions: 50)
    var cleanupIntervalSeconds = 3600.0

    var isInMemory: Bool { path == ":memory:" }

    /// Parses and validates a config block; the message names the offending key.
    init(json: String) throws(StoreError) {
        guard let root = try? JSONValue.parse(json), case .object = root else { throw .invalid("the config block must be a JSON object") }
        let reader = Reader(root: root)
        path = try reader.string("db_path") ?? path
        busyTimeoutMs = Int32(try reader.integer("busy_timeout_ms", in: 0...600_000) ?? Int(busyTimeoutMs))
        if let mode = try reader.string("synchronous") {
            guard ["full", "normal"].contains(mode.lowercased()) else { throw .invalid("synchronous must be \"full\" or \"normal\", found \"\(mode)\"") }
            synchronous = mode.uppercased()
        }
        maxSizeMB = try reader.integer("max_size_mb", in: 0...1_000_000) ?? 0
        readers = try reader.integer("readers", in: 0...64) ?? readers
        persistDeltas = try reader.bool("persistence.persist_deltas") ?? persistDeltas
        flushIntervalMs = try reader.integer("persistence.interval_ms", in: 1...3_600_000) ?? flushIntervalMs
        flushMinChars = try reader.integer("persistence.min_chars", in: 1...100_000_000) ?? flushMinChars
        retention.maxAgeHours = try reader.number("retention.max_age_hours") ?? 0
        retention.maxMessages = try reader.integer("retention.max_messages", in: 0...Int.max) ?? 0
        retention.maxSessions = try reader.integer("retention.max_sessions", in: 0...Int.max) ?? 0
        cleanupIntervalSeconds = (try reader.number("retention.cleanup_interval_minutes") ?? 60) * 60
        savedRetention.maxAgeHours = (try reader.number("saved_sessions.retention_days") ?? 0) * 24
        savedRetention.maxSessions = try reader.integer("saved_sessions.max_saved", in: 0...Int.max) ?? savedRetention.maxSessions
        savedRetention.maxMessages = try reader.integer("saved_sessions.max_messages", in: 0...Int.max) ?? 0
        guard cleanupIntervalSeconds > 0 else { throw .invalid("retention.cleanup_interval_minutes must be greater than 0") }
    }

    /// Typed lookups by dotted path; absent and null keys read as nil.
    private struct Reader {
        let root: JSONValue

        func value(_ path: String) -> JSONValue? {
            guard let value = root.value(atPath: path), value != .null else { return nil }
            return value
        }
        func string(_ path: String) throws(StoreError) -> String? {
            guard let value = value(path) else { return nil }
            guard case .string(let text) = value, !text.isEmpty else { throw .invalid("\(path) must be a non-empty string") }
            return text
        }
        func bool(_ path: String) throws(StoreError) -> Bool? {
            guard let value = value(path) else { return nil }
            guard case .bool(let flag) = value else { throw .invalid("\(path) must be true or false") }
            return flag
        }
        func number(_ path: String) throws(StoreError) -> Double? {
            switch value(path) {
            case nil: return nil
            case .int(let n)? where n >= 0: return Double(n)
            case .double(let n)? where n >= 0 && n.isFinite: return n
            default: throw .invalid("\(path) must be a number >= 0")
            }
        }
        func integer(_ path: String, in range: ClosedRange<Int>) throws(StoreError) -> Int? {
            guard let value = value(path) else { return nil }
            guard case .int(let n) = value, range.contains(Int(n)) else {
                throw .invalid("\(path) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(n)
        }
    }
}
