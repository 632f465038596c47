import Foundation
import Synchronization

/// What the writer does between transactions: flush streaming buffers that waited long enough,
/// and apply retention when its interval has passed. Holds the live settings, which
/// `reconfigure` may replace while the store runs. Thread-safe.
final class Maintenance: Sendable {
    let buffers = StreamBuffers()
    private let settings: Mutex<StoreConfig>
    private let lastCleanup = Mutex(Date())

    init(_ config: StoreConfig) { settings = Mutex(config) }

    var config: StoreConfig {
        get { settings.withLock { $0 } }
        set { settings.withLock { $0 = newValue } }
    }

    /// Runs on the writer thread, outside any transaction. The final tick (shutdown) writes every
    /// buffer, even with persist_deltas off: a graceful stop loses nothing that streamed.
    func tick(_ db: Connection, isFinal: Bool) {
        let current = config
        if isFinal {
            _ = StreamBuffers.write(buffers.takeStale(olderThan: nil), on: db)
            try? db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  // leave one compact file behind
        } else if current.persistDeltas {
            _ = StreamBuffers.write(buffers.takeStale(olderThan: Double(current.flushIntervalMs) / 1000), on: db)
        }
        let due = lastCleanup.withLock { last in
            guard Date().timeIntervalSince(last) >= current.cleanupIntervalSeconds else { return false }
            last = Date()
            return true
        }
        if due { _ = try? RetentionQueries.apply(unsaved: current.retention, saved: current.savedRetention, now: Clock.now(), on: db) }
    }
}
