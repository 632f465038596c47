import JSONSupport

/// Conversation SQL, always scoped to an owner: another owner's conversation reads as not found.
enum ConversationQueries {
    static let columns = "c.id, c.owner, c.title, c.saved_name, c.created_at, c.updated_at, (SELECT COUNT(*) FROM messages m WHERE m.conversation = c.id), c.metadata, c.memory_limit"

    /// Creates a conversation with its metadata and memory limit; an existing one of the owner is
    /// returned unchanged (idempotent), another owner's reads as not found.
    static func create(_ id: String, owner: String, metadata: JSONValue?, memoryLimit: Int?, on db: Connection) throws(StoreError) -> ConversationRecord {
        guard !id.isEmpty, !owner.isEmpty else { throw StoreError.invalid("conversation_id and owner must be non-empty") }
        if let memoryLimit, memoryLimit < 1 { throw StoreError.invalid("memory_limit must be a positive number of messages") }
        let now = Clock.now()
        try db.prepare("INSERT INTO conversations (id, owner, created_at, updated_at, metadata, memory_limit) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING")
            .bind([.text(id), .text(owner), .int(now), .int(now), SQLValue(metadata?.jsonText), memoryLimit.map { .int(Int64($0)) } ?? .null]).run()
        guard let record = try get(id, owner: owner, on: db) else { throw StoreError.notFound("conversation \(id) not found") }
        return record
    }

    /// The conversation's memory limit, if it has one.
    static func memoryLimit(of id: String, on db: Connection) throws(StoreError) -> Int? {
        let statement = try db.prepare("SELECT memory_limit FROM conversations WHERE id = ?").bind([.text(id)])
        defer { statement.reset() }
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return Int(statement.int(0))
    }

    /// Creates the conversation for `owner`, or checks that it is theirs.
    static func ensure(_ id: String, owner: String, now: Int64, on db: Connection) throws(StoreError) {
        guard !id.isEmpty, !owner.isEmpty else { throw StoreError.invalid("conversation_id and owner must be non-empty") }
        try db.prepare("INSERT INTO conversations (id, owner, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING")
            .bind([.text(id), .text(owner), .int(now), .int(now)]).run()
        guard try belongs(id, to: owner, on: db) else { throw StoreError.notFound("conversation \(id) not found") }
    }

    /// Whether the conversation exists and is the owner's (a primary-key lookup, no counting).
    static func belongs(_ id: String, to owner: String, on db: Connection) throws(StoreError) -> Bool {
        let statement = try db.prepare("SELECT 1 FROM conversations WHERE id = ? AND owner = ?").bind([.text(id), .text(owner)])
        defer { statement.reset() }
        return try statement.step()
    }

    static func exists(_ id: String, on db: Connection) throws(StoreError) -> Bool {
        let statement = try db.prepare("SELECT 1 FROM conversations WHERE id = ?").bind([.text(id)])
        defer { statement.reset() }
        return try statement.step()
    }

    static func get(_ id: String, owner: String, on db: Connection) throws(StoreError) -> ConversationRecord? {
        try select("WHERE c.id = ? AND c.owner = ?", [.text(id), .text(owner)], on: db).first
    }

    /// One page of an owner's conversations, most recently updated first.
    /// The cursor is the last item's "updated_at:id" from the previous page.
    static func list(owner: String, limit: Int, cursor: String?, on db: Connection) throws(StoreError) -> (page: [ConversationRecord], next: String?) {
        var clause = "WHERE c.owner = ?"
        var values: [SQLValue] = [.text(owner)]
        if let cursor {
            let parts = cursor.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let updated = Int64(parts[0]) else { throw StoreError.invalid("cursor \"\(cursor)\" is not one this store returned") }
            clause += " AND (c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))"
            values += [.int(updated), .int(updated), .text(String(parts[1]))]
        }
        let page = try select(clause + " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?", values + [.int(Int64(limit) + 1)], on: db)
        guard page.count > limit else { return (page, nil) }
        let shown = Array(page.prefix(limit))
        return (shown, shown.last.map { "\($0.updatedAt):\($0.id)" })
    }

    static func delete(_ id: String, owner: String, on db: Connection) throws(StoreError) -> Bool {
        try db.prepare("DELETE FROM conversations WHERE id = ? AND owner = ?").bind([.text(id), .text(owner)]).run()
        return db.changes > 0
    }

    /// Saves under a name (nil unsaves). Returns false when the owner has no such conversation.
    static func setSavedName(_ name: String?, of id: String, owner: String, on db: Connection) throws(StoreError) -> Bool {
        try db.prepare("UPDATE conversations SET saved_name = ?, updated_at = ? WHERE id = ? AND owner = ?")
            .bind([SQLValue(name), .int(Clock.now()), .text(id), .text(owner)]).run()
        return db.changes > 0
    }

    /// Returns false when the owner has no such conversation.
    static func setTitle(_ title: String, of id: String, owner: String, on db: Connection) throws(StoreError) -> Bool {
        try db.prepare("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?").bind([.text(title), .text(id), .text(owner)]).run()
        return db.changes > 0
    }

    private static func select(_ clause: String, _ values: [SQLValue], on db: Connection) throws(StoreError) -> [ConversationRecord] {
        let statement = try db.prepare("SELECT \(columns) FROM conversations c \(clause)").bind(values)
        var records: [ConversationRecord] = []
        while try statement.step() {
            records.append(ConversationRecord(id: statement.text(0) ?? "", owner: statement.text(1) ?? "", title: statement.text(2),
                                              savedName: statement.text(3), createdAt: statement.int(4), updatedAt: statement.int(5),
                                              messageCount: statement.int(6), metadata: statement.text(7).flatMap { try? JSONValue.parse($0) },
                                              memoryLimit: statement.isNull(8) ? nil : statement.int(8)))
        }
        statement.reset()
        return records
    }
}
