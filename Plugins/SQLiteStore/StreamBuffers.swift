import Foundation
import Synchronization

/// Text streamed into assistant messages but not yet written: flushed when a message's buffer
/// reaches `min_chars`, or `interval_ms` after its first unwritten delta (by the writer's tick),
/// and always before the message is finished. Thread-safe.
final class StreamBuffers: Sendable {
    struct Pending {
        var content = ""
        var reasoning = ""
        var since = Date()
        var size: Int { content.utf8.count + reasoning.utf8.count }
    }

    private let pending = Mutex<[Int64: Pending]>([:])

    /// Adds a delta; returns true when the message's buffer reached `minChars` and should be flushed now.
    func add(content: String, reasoning: String, to id: Int64, minChars: Int) -> Bool {
        pending.withLock { all in
            var entry = all[id] ?? Pending()
            if entry.size == 0 { entry.since = Date() }
            entry.content += content
            entry.reasoning += reasoning
            all[id] = entry
            return entry.size >= minChars
        }
    }

    /// Removes and returns a message's buffered text (empty when nothing is pending).
    func take(_ id: Int64) -> Pending { pending.withLock { $0.removeValue(forKey: id) } ?? Pending() }

    /// Removes and returns every buffer older than `age` (all of them when `age` is nil).
    func takeStale(olderThan age: TimeInterval?) -> [(Int64, Pending)] {
        let now = Date()
        return pending.withLock { all in
            let due = all.filter { age == nil || now.timeIntervalSince($0.value.since) >= age! }
            for id in due.keys { all[id] = nil }
            return due.map { ($0.key, $0.value) }
        }
    }

    /// Writes the given buffers; errors are returned, not thrown, so one bad row does not stop the rest.
    static func write(_ buffers: [(Int64, Pending)], on db: Connection) -> [StoreError] {
        var errors: [StoreError] = []
        for (id, text) in buffers where text.size > 0 {
            do throws(StoreError) { try MessageQueries.appendStreamed(content: text.content, reasoning: text.reasoning, to: id, on: db) } catch {
                errors.append(error)
            }
        }
        return errors
    }
}
