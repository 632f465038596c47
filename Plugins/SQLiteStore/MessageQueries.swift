import JSONSupport

/// Message SQL. Every function runs on the connection it is given; writes run inside the
/// writer's transaction, so "read MAX(seq) then insert" cannot race.
enum MessageQueries {
    static let columns = "id, conversation, seq, role, content, reasoning, tool_calls, tool_call_id, tool_name, usage, model, provider, request_id, status, created_at, updated_at"

    /// Appends one message, creating the conversation for `owner` if needed.
    /// Idempotent: a request_id already stored in the conversation returns the stored message.
    /// - Throws: not_found when the conversation belongs to another owner.
    static func append(_ message: NewMessage, to conversationID: String, owner: String, on db: Connection) throws(StoreError) -> MessageRecord {
        let validated = try message.validated()
        let now = Clock.now()
        try ConversationQueries.ensure(conversationID, owner: owner, now: now, on: db)
        if let requestID = validated.requestID, let stored = try find(requestID: requestID, in: conversationID, on: db) { return stored }
        let next = try db.prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation = ?").bind([.text(conversationID)])
        _ = try next.step()
        let seq = next.int(0)
        next.reset()
        try db.prepare("""
            INSERT INTO messages (conversation, seq, role, content, reasoning, tool_calls, tool_call_id, tool_name, usage, model,
                                  provider, request_id, status, tokens, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).bind([.text(conversationID), .int(seq), .text(validated.role), .text(validated.content ?? ""), SQLValue(validated.reasoning),
                       SQLValue(validated.toolCalls?.jsonText), SQLValue(validated.toolCallID), SQLValue(validated.toolName),
                       SQLValue(validated.usage?.jsonText), SQLValue(validated.model), SQLValue(validated.provider), SQLValue(validated.requestID),
                       .text(validated.status ?? "complete"), .int(Int64(validated.estimatedTokens)), .int(now), .int(now)]).run()
        let id = db.lastInsertRowID
        try db.prepare("UPDATE conversations SET updated_at = ? WHERE id = ?").bind([.int(now), .text(conversationID)]).run()
        return MessageRecord(id: id, conversationID: conversationID, seq: seq, role: validated.role, content: validated.content ?? "",
                             reasoning: validated.reasoning, toolCalls: validated.toolCalls, toolCallID: validated.toolCallID,
                             toolName: validated.toolName, usage: validated.usage, model: validated.model, provider: validated.provider,
                             requestID: validated.requestID, status: validated.status ?? "complete", createdAt: now, updatedAt: now)
    }

    static func find(requestID: String, in conversationID: String, on db: Connection) throws(StoreError) -> MessageRecord? {
        try select("WHERE conversation = ? AND request_id = ?", [.text(conversationID), .text(requestID)], on: db).first
    }

    static func message(id: Int64, on db: Connection) throws(StoreError) -> MessageRecord? {
        try select("WHERE id = ?", [.int(id)], on: db).first
    }

    /// Adds streamed text to a message (a flush of the streaming buffer).
    static func appendStreamed(content: String, reasoning: String, to id: Int64, on db: Connection) throws(StoreError) {
        try db.prepare("""
            UPDATE messages SET content = content || ?, reasoning = CASE WHEN ?2 = '' THEN reasoning ELSE COALESCE(reasoning, '') || ?2 END,
                   tokens = tokens + ?3, updated_at = ?4 WHERE id = ?5
            """).bind([.text(content), .text(reasoning), .int(Int64((content.utf8.count + reasoning.utf8.count) / 4)), .int(Clock.now()), .int(id)]).run()
    }

    /// Ends a streamed message: final status, and the tool calls, usage and model known at the end.
    static func finishStreamed(id: Int64, status: String, toolCalls: JSONValue?, usage: JSONValue?, model: String?, on db: Connection) throws(StoreError) {
        try db.prepare("""
            UPDATE messages SET status = ?, tool_calls = COALESCE(?, tool_calls), usage = COALESCE(?, usage),
                   model = COALESCE(?, model), updated_at = ? WHERE id = ?
            """).bind([.text(status), SQLValue(toolCalls?.jsonText), SQLValue(usage?.jsonText), SQLValue(model), .int(Clock.now()), .int(id)]).run()
    }

    /// The newest messages that fit `maxMessages` and `maxTokens` (0 = no limit), oldest first.
    /// The window never starts with tool results whose assistant message fell outside it.
    static func contextWindow(of conversationID: String, maxMessages: Int, maxTokens: Int, on db: Connection) throws(StoreError) -> [MessageRecord] {
        let limit = maxMessages > 0 ? maxMessages : Int(Int32.max)
        let statement = try db.prepare("SELECT seq, role, tokens FROM messages WHERE conversation = ? ORDER BY seq DESC LIMIT ?")
            .bind([.text(conversationID), .int(Int64(limit))])
        var chosen: [(seq: Int64, role: String)] = []
        var tokens = 0
        while try statement.step() {
            let cost = Int(statement.int(2))
            if maxTokens > 0 && tokens + cost > maxTokens && !chosen.isEmpty { break }
            tokens += cost
            chosen.append((statement.int(0), statement.text(1) ?? ""))
        }
        statement.reset()
        while chosen.last?.role == "tool" { chosen.removeLast() }  // orphaned tool results at the window's start
        guard let oldest = chosen.last?.seq, let newest = chosen.first?.seq else { return [] }
        // A seq range walks the (conversation, seq) index directly; an id range would scan it all.
        return try select("WHERE conversation = ? AND seq BETWEEN ? AND ? ORDER BY seq", [.text(conversationID), .int(oldest), .int(newest)], on: db)
    }

    /// Every message of a conversation, oldest first, or the newest `limit` of them.
    static func messages(of conversationID: String, limit: Int?, on db: Connection) throws(StoreError) -> [MessageRecord] {
        guard let limit, limit > 0 else { return try select("WHERE conversation = ? ORDER BY seq", [.text(conversationID)], on: db) }
        return try select("WHERE conversation = ? ORDER BY seq DESC LIMIT ?", [.text(conversationID), .int(Int64(limit))], on: db).reversed()
    }

    private static func select(_ clause: String, _ values: [SQLValue], on db: Connection) throws(StoreError) -> [MessageRecord] {
        let statement = try db.prepare("SELECT \(columns) FROM messages \(clause)").bind(values)
        var records: [MessageRecord] = []
        while try statement.step() {
            records.append(MessageRecord(
                id: statement.int(0), conversationID: statement.text(1) ?? "", seq: statement.int(2), role: statement.text(3) ?? "",
                content: statement.text(4) ?? "", reasoning: statement.text(5), toolCalls: statement.text(6).flatMap { try? JSONValue.parse($0) },
                toolCallID: statement.text(7), toolName: statement.text(8), usage: statement.text(9).flatMap { try? JSONValue.parse($0) },
                model: statement.text(10), provider: statement.text(11), requestID: statement.text(12), status: statement.text(13) ?? "complete",
                createdAt: statement.int(14), updatedAt: statement.int(15)))
        }
        statement.reset()
        return records
    }
}
