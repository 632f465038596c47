/// Retention: deletes what is older or beyond the limits. Saved conversations follow their own
/// limits, and every per-owner limit is computed within one owner (PARTITION BY owner), so
/// cleaning up never touches another owner's conversations.
enum RetentionQueries {
    struct Outcome: Codable, Equatable {
        var deletedConversations = 0
        var deletedMessages = 0
        enum CodingKeys: String, CodingKey { case deletedConversations = "deleted_conversations", deletedMessages = "deleted_messages" }
    }

    static func apply(unsaved: StoreConfig.Retention, saved: StoreConfig.Retention, now: Int64, on db: Connection) throws(StoreError) -> Outcome {
        var outcome = Outcome()
        for (limits, isSaved) in [(unsaved, false), (saved, true)] {
            let which = isSaved ? "saved_name IS NOT NULL" : "saved_name IS NULL"
            if limits.maxAgeHours > 0 {
                let cutoff = now - Int64(limits.maxAgeHours * 3_600_000)
                try db.prepare("DELETE FROM conversations WHERE \(which) AND updated_at < ?").bind([.int(cutoff)]).run()
                outcome.deletedConversations += db.changes
            }
            if limits.maxSessions > 0 {
                try db.prepare("""
                    DELETE FROM conversations WHERE id IN (
                        SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY owner ORDER BY updated_at DESC, id DESC) AS newest
                                        FROM conversations WHERE \(which))
                        WHERE newest > ?)
                    """).bind([.int(Int64(limits.maxSessions))]).run()
                outcome.deletedConversations += db.changes
            }
            if limits.maxMessages > 0 {
                try db.prepare("""
                    DELETE FROM messages WHERE conversation IN (SELECT id FROM conversations WHERE \(which))
                      AND seq <= (SELECT MAX(m.seq) FROM messages m WHERE m.conversation = messages.conversation) - ?
                    """).bind([.int(Int64(limits.maxMessages))]).run()
                outcome.deletedMessages += db.changes
            }
        }
        return outcome
    }
}
