import Synchronization

/// Read-only connections for queries that need not wait behind the writer (WAL lets readers
/// run beside it). Borrow one for a call and it returns itself; at most `capacity` exist.
final class ReaderPool: Sendable {
    private struct Idle: @unchecked Sendable { var connections: [Connection] = []; var created = 0 }  // guarded by the mutex
    private let idle = Mutex(Idle())
    private let capacity: Int
    private let open: @Sendable () throws(StoreError) -> Connection

    init(capacity: Int, open: @escaping @Sendable () throws(StoreError) -> Connection) {
        self.capacity = capacity
        self.open = open
    }

    /// Runs `body` on an idle reader, or returns nil when all `capacity` readers are busy.
    func withReader<T>(_ body: (Connection) throws(StoreError) -> T) throws(StoreError) -> T? {
        let borrowed: Connection? = idle.withLock { state in
            if let connection = state.connections.popLast() { return connection }
            return nil
        }
        let connection: Connection
        if let borrowed { connection = borrowed } else {
            let mayOpen = idle.withLock { state in
                guard state.created < capacity else { return false }
                state.created += 1
                return true
            }
            guard mayOpen else { return nil }
            do { connection = try open() } catch {
                idle.withLock { $0.created -= 1 }
                throw error
            }
        }
        defer { idle.withLock { $0.connections.append(connection) } }
        return try body(connection)
    }

    /// Closes every idle reader (call when no reads are running).
    func close() { idle.withLock { $0 = Idle() } }
}
