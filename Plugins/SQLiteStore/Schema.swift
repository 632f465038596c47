/// The database schema, versioned with `PRAGMA user_version` and migrated forward in order.
///
/// Nothing assumes one host process: ids are UUIDs from the caller, sequence numbers are
/// assigned inside the writing transaction, timestamps are stored, not derived from memory.
enum Schema {
    /// Migration N brings the schema from version N-1 to N. Append only; never edit a shipped one.
    static let migrations: [String] = [
        // 1: conversations and their messages.
        """
        CREATE TABLE conversations (
            id          TEXT PRIMARY KEY,
            owner       TEXT NOT NULL,
            title       TEXT,
            saved_name  TEXT,
            created_at  INTEGER NOT NULL,  -- milliseconds since 1970
            updated_at  INTEGER NOT NULL
        );
        CREATE INDEX conversations_by_owner ON conversations(owner, updated_at DESC);
        CREATE TABLE messages (
            id            INTEGER PRIMARY KEY,
            conversation  TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq           INTEGER NOT NULL,
            role          TEXT NOT NULL,
            content       TEXT NOT NULL DEFAULT '',
            reasoning     TEXT,
            tool_calls    TEXT,            -- JSON array
            tool_call_id  TEXT,
            tool_name     TEXT,
            usage         TEXT,            -- JSON object
            model         TEXT,
            provider      TEXT,
            request_id    TEXT,
            status        TEXT NOT NULL DEFAULT 'complete',  -- complete | incomplete
            tokens        INTEGER NOT NULL DEFAULT 0,        -- estimated, for context budgets
            created_at    INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL,
            UNIQUE (conversation, seq),
            UNIQUE (conversation, request_id)
        );
        """,
        // 2: a conversation's metadata (JSON) and memory limit (history messages a turn sees).
        """
        ALTER TABLE conversations ADD COLUMN metadata TEXT;
        ALTER TABLE conversations ADD COLUMN memory_limit INTEGER;
        """,
    ]

    static var currentVersion: Int { migrations.count }

    /// Creates or migrates the schema; refuses a database written by a newer Switchboard.
    static func prepare(_ connection: Connection) throws(StoreError) {
        let statement = try connection.prepare("PRAGMA user_version")
        guard try statement.step() else { throw StoreError.invalid("cannot read the schema version of \(connection.path)") }
        let version = Int(statement.int(0))
        statement.reset()
        guard version <= currentVersion else {
            throw StoreError(-3, "schema_too_new", "database \(connection.path) has schema version \(version), newer than this SQLiteStore supports (\(currentVersion)); upgrade Switchboard or use another file")
        }
        for next in version..<currentVersion {
            try connection.execute("BEGIN IMMEDIATE")
            do {
                try connection.execute(migrations[next])
                try connection.execute("PRAGMA user_version = \(next + 1)")
                try connection.execute("COMMIT")
            } catch {
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }
}
