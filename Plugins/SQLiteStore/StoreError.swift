import CSQLite
import PluginABI
import PluginKit

/// A store failure: the ABI status, a stable code word for clients, and a message with the
/// real values (file, SQLite's own text). Converted to an ERROR event or a create() failure.
struct StoreError: Error, Sendable {
    var status: sb_status
    var code: String
    var message: String

    init(_ status: sb_status, _ code: String, _ message: String) {
        (self.status, self.code, self.message) = (status, code, message)
    }

    static func invalid(_ message: String) -> StoreError { StoreError(SB_ERR_INVALID, "invalid_request", message) }
    static func notFound(_ message: String) -> StoreError { StoreError(SB_ERR_NOT_FOUND, "not_found", message) }

    /// Maps an SQLite result code to the ABI's vocabulary.
    static func sqlite(_ code: Int32, _ message: String) -> StoreError {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: return StoreError(SB_ERR_BUSY, "database_locked", message)
        case SQLITE_FULL: return StoreError(SB_ERR_IO, "database_full", message)
        case SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_IOERR: return StoreError(SB_ERR_IO, "database_unwritable", message)
        case SQLITE_CORRUPT, SQLITE_NOTADB: return StoreError(SB_ERR_IO, "database_corrupt", message)
        case SQLITE_CONSTRAINT: return StoreError(SB_ERR_INVALID, "constraint", message)
        default: return StoreError(SB_ERR_IO, "database_error", message)
        }
    }

    var pluginError: PluginError { PluginError(status, message) }
}
