import CSQLite
import Foundation

/// One SQLite connection with its prepared statements cached by SQL text.
///
/// Not thread-safe: each connection belongs to one thread at a time (the writer thread, or a
/// reader borrowed from the pool).
final class Connection {
    let handle: OpaquePointer
    let path: String
    private var statements: [String: Statement] = [:]

    /// Opens (creating if allowed) the database and applies the per-connection pragmas.
    /// - Throws: `StoreError` naming the file and SQLite's reason.
    init(path: String, readOnly: Bool = false, busyTimeoutMs: Int32, synchronous: String) throws(StoreError) {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(db)
            throw StoreError.sqlite(code, "cannot open database \(path): \(reason)")
        }
        handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMs)
        sqlite3_extended_result_codes(db, 1)
        do {
            if !readOnly && !path.contains("mode=memory") { try execute("PRAGMA journal_mode=WAL") }
            try execute("PRAGMA synchronous=\(synchronous)")
            try execute("PRAGMA foreign_keys=ON")
        } catch {
            sqlite3_close_v2(db)
            throw error
        }
    }

    private var isOpen = true

    deinit { close() }

    /// Finalizes the statements and closes the connection; the last close of a WAL database
    /// checkpoints and removes the -wal and -shm files. Idempotent.
    func close() {
        guard isOpen else { return }
        isOpen = false
        statements.removeAll()  // finalize before closing
        sqlite3_close_v2(handle)
    }

    /// Runs SQL with no results (may hold several statements).
    func execute(_ sql: String) throws(StoreError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        defer { sqlite3_free(message) }
        guard code == SQLITE_OK else {
            throw StoreError.sqlite(code, "\(message.map { String(cString: $0) } ?? "SQLite error \(code)") (\(path))")
        }
    }

    /// The cached prepared statement for `sql`, reset and ready to bind.
    func prepare(_ sql: String) throws(StoreError) -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard code == SQLITE_OK, let raw else { throw error(code) }
        let statement = Statement(raw, connection: self)
        statements[sql] = statement
        return statement
    }

    /// The error for a failed call, with SQLite's message for this connection.
    func error(_ code: Int32) -> StoreError {
        StoreError.sqlite(code, "\(String(cString: sqlite3_errmsg(handle))) (\(path))")
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    /// False once SQLite rolled a transaction back by itself (it may on FULL, IOERR, BUSY, NOMEM).
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

/// A prepared statement: bind by position (1-based), step, read columns.
final class Statement {
    private let raw: OpaquePointer
    private unowned let connection: Connection

    init(_ raw: OpaquePointer, connection: Connection) {
        self.raw = raw
        self.connection = connection
    }

    deinit { sqlite3_finalize(raw) }

    func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    @discardableResult
    func bind(_ values: [SQLValue]) -> Statement {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: sqlite3_bind_null(raw, index)
            case .int(let number): sqlite3_bind_int64(raw, index, number)
            case .double(let number): sqlite3_bind_double(raw, index, number)
            case .text(let text): sqlite3_bind_text(raw, index, text, -1, csqlite_transient())
            }
        }
        return self
    }

    /// Advances one row: true when a row is ready, false when done.
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(raw) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let error = connection.error(code)
            sqlite3_reset(raw)
            throw error
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws(StoreError) { while try step() {} }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(raw, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(raw, column))), as: UTF8.self)
    }
}

/// A value to bind.
enum SQLValue {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ number: Int?) { self = number.map { .int(Int64($0)) } ?? .null }
}
