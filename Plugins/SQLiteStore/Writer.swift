import Foundation
import PluginABI

/// The one thread that writes. Jobs queue up while a transaction commits; the next round runs
/// everything queued in one transaction (group commit), each job inside its own savepoint so
/// one failing job does not spoil the others. Between rounds it flushes streaming buffers and
/// runs retention on schedule.
///
/// Thread-safe: `submit` from any thread. Completions run on the writer thread.
final class Writer: @unchecked Sendable {  // state guarded by `condition`
    typealias Work = (Connection) throws(StoreError) -> String
    typealias Completion = (Result<String, StoreError>) -> Void
    private struct Job { let work: Work; let completion: Completion }

    static let maxQueuedJobs = 10_000

    private let connection: Connection
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var stopping = false
    private var stopped = false
    private let tick: TimeInterval
    private let onTick: (Connection, _ isFinal: Bool) -> Void

    /// - Parameters:
    ///   - tick: how often `onTick` runs on the writer thread (flushes, retention); it runs a
    ///     last time with `isFinal` when the writer stops.
    init(connection: Connection, tick: TimeInterval, onTick: @escaping (Connection, _ isFinal: Bool) -> Void) {
        self.connection = connection
        self.tick = tick
        self.onTick = onTick
        let thread = Thread { [self] in run() }
        thread.name = "sqlite-store-writer"
        thread.start()
    }

    /// Queues a job. Returns false (and does not run it) when the queue is full or the writer stopped.
    func submit(_ work: @escaping Work, completion: @escaping Completion) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping, jobs.count < Self.maxQueuedJobs else { return false }
        jobs.append(Job(work: work, completion: completion))
        condition.signal()
        return true
    }

    /// Runs every queued job, a last tick, then stops the thread. Blocks until it has.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    private func run() {
        var nextTick = Date().addingTimeInterval(tick)
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping && Date() < nextTick { _ = condition.wait(until: nextTick) }
            let batch = jobs
            jobs.removeAll()
            let finishing = stopping
            condition.unlock()

            if !batch.isEmpty { commit(batch) }
            if Date() >= nextTick || finishing {
                onTick(connection, finishing)
                nextTick = Date().addingTimeInterval(tick)
            }
            if finishing {
                condition.lock()
                let drained = jobs.isEmpty
                if drained {
                    connection.close()
                    stopped = true
                    condition.broadcast()
                }
                condition.unlock()
                if drained { return }
            }
        }
    }

    private func commit(_ batch: [Job]) {
        var results: [Result<String, StoreError>] = []
        do throws(StoreError) {
            try connection.execute("BEGIN IMMEDIATE")
            for job in batch {
                try connection.execute("SAVEPOINT job")
                do throws(StoreError) {
                    results.append(.success(try job.work(connection)))
                    try connection.execute("RELEASE job")
                } catch {
                    // SQLite may already have rolled back the whole transaction (disk full, I/O):
                    // then nothing of this batch will commit, so the batch fails with this error.
                    guard connection.isInTransaction else { throw error }
                    results.append(.failure(error))
                    try connection.execute("ROLLBACK TO job; RELEASE job")
                }
            }
            try connection.execute("COMMIT")
        } catch {
            // The transaction as a whole failed (disk full, locked, unwritable): nothing in it
            // was committed, so every job in it reports the failure.
            try? connection.execute("ROLLBACK")
            results = batch.map { _ in .failure(error) }
        }
        for (job, result) in zip(batch, results) { job.completion(result) }
    }
}
