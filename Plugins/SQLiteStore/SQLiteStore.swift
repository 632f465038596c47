import Foundation
import JSONSupport
import PluginABI
import PluginKit

/// The store component: routes each op to the writer (writes, in group-committed transactions)
/// or to a reader (queries), and delivers its result as the operation's terminal event.
final class SQLiteStore: ComponentImplementation {
    private let maintenance: Maintenance
    private let writer: Writer
    private let readers: ReaderPool?
    private var buffers: StreamBuffers { maintenance.buffers }

    /// Opens (or creates) the database, checks and migrates the schema, starts the writer.
    /// - Throws: a `PluginError` naming the file and SQLite's reason (unwritable, corrupt, newer schema...).
    init(context: CreateContext, inMemory: Bool) throws(PluginError) {
        var config: StoreConfig
        do { config = try StoreConfig(json: context.configJSON) } catch { throw error.pluginError }
        if inMemory { config.path = "file:switchboard-\(UUID().uuidString)?mode=memory&cache=shared" }
        let settings = config
        do {
            let connection = try Connection(path: settings.path, busyTimeoutMs: settings.busyTimeoutMs, synchronous: settings.synchronous)
            try connection.execute("PRAGMA integrity_check(1)")  // fails fast on a file that is not a database
            try Schema.prepare(connection)
            if settings.maxSizeMB > 0 {
                try connection.execute("PRAGMA max_page_count = \(Int64(settings.maxSizeMB) * 1_048_576 / 4096)")
            }
            readers = (settings.readers > 0 && !inMemory) ? ReaderPool(capacity: settings.readers) { () throws(StoreError) in
                try Connection(path: settings.path, readOnly: true, busyTimeoutMs: settings.busyTimeoutMs, synchronous: settings.synchronous)
            } : nil
            let maintenance = Maintenance(settings)
            self.maintenance = maintenance
            writer = Writer(connection: connection, tick: Double(settings.flushIntervalMs) / 1000) { db, isFinal in maintenance.tick(db, isFinal: isFinal) }
        } catch {
            throw error.pluginError
        }
        context.log(SB_LOG_INFO, "store open: \(inMemory ? "in memory" : config.path), schema version \(Schema.currentVersion)")
    }

    func reconfigure(configJSON: String) throws(PluginError) {
        let next: StoreConfig
        do { next = try StoreConfig(json: configJSON) } catch { throw error.pluginError }
        let current = maintenance.config
        guard next.path == current.path || current.path.hasPrefix("file:switchboard-") else {
            throw PluginError(SB_ERR_UNSUPPORTED, "db_path cannot change while running (restart to use \(next.path))")
        }
        maintenance.config = StoreConfig.keepingPath(of: current, next)
    }

    func describe() -> String? {
        let current = maintenance.config
        return JSONValue.object(["state": .string("up"), "path": .string(current.path), "schema_version": .int(Int64(Schema.currentVersion))]).jsonText
    }

    func shutdown() {
        readers?.close()  // readers first: the writer's close is then the last, which removes the WAL files
        writer.stop()  // runs what is queued, a last flush of every streaming buffer, a checkpoint, and closes
    }

    func start(_ operation: PluginKit.Operation) throws(PluginError) {
        do throws(StoreError) { try route(operation) } catch { throw error.pluginError }
    }

    private func route(_ operation: PluginKit.Operation) throws(StoreError) {
        let request = operation.request
        switch operation.op {
        case "append":
            let append = try StoreRequests.Append.decode(request)
            write(operation) { db throws(StoreError) in
                Results.message(try MessageQueries.append(append.message, to: append.conversationID, owner: append.owner, on: db))
            }
        case "append_batch":
            let batch = try StoreRequests.AppendBatch.decode(request)
            write(operation) { db throws(StoreError) in
                var records: [MessageRecord] = []
                for message in batch.messages {
                    records.append(try MessageQueries.append(message, to: batch.conversationID, owner: batch.owner, on: db))
                }
                return Results.messages(records)
            }
        case "stream_append":
            let delta = try StoreRequests.StreamAppend.decode(request)
            let current = maintenance.config
            let full = buffers.add(content: delta.content ?? "", reasoning: delta.reasoning ?? "", to: delta.messageID, minChars: current.flushMinChars)
            if full && current.persistDeltas {
                let buffers = self.buffers
                _ = writer.submit({ db throws(StoreError) in
                    if let error = StreamBuffers.write([(delta.messageID, buffers.take(delta.messageID))], on: db).first { throw error }
                    return "{}"
                }, completion: { _ in })
            }
            operation.succeed(result: "{}")
        case "stream_end":
            let end = try StoreRequests.StreamEnd.decode(request)
            guard end.status == "complete" || end.status == "incomplete" else { throw .invalid("status must be \"complete\" or \"incomplete\"") }
            let buffers = self.buffers
            write(operation) { db throws(StoreError) in
                if let error = StreamBuffers.write([(end.messageID, buffers.take(end.messageID))], on: db).first { throw error }
                try MessageQueries.finishStreamed(id: end.messageID, status: end.status, toolCalls: end.toolCalls, usage: end.usage, model: end.model, on: db)
                guard let record = try MessageQueries.message(id: end.messageID, on: db) else { throw .notFound("message \(end.messageID) not found") }
                return Results.message(record)
            }
        case "create_conversation":
            let create = try StoreRequests.Create.decode(request)
            if let metadata = create.metadata, case .object = metadata {} else if create.metadata != nil { throw .invalid("metadata must be an object") }
            write(operation) { db throws(StoreError) in
                let record = try ConversationQueries.create(create.conversationID, owner: create.owner, metadata: create.metadata,
                                                            memoryLimit: create.memoryLimit, on: db)
                return JSONValue.object(["conversation": record.json]).jsonText
            }
        case "load_context":
            let window = try StoreRequests.Context.decode(request)
            read(operation) { db throws(StoreError) in
                guard try ConversationQueries.belongs(window.conversationID, to: window.owner, on: db) else {
                    // Another owner's conversation is not found; one that does not exist yet has no context.
                    if try ConversationQueries.exists(window.conversationID, on: db) { throw .notFound("conversation \(window.conversationID) not found") }
                    return Results.messages([])
                }
                // Without max_messages, the conversation's own memory limit applies.
                var maxMessages = window.maxMessages
                if maxMessages == nil { maxMessages = try ConversationQueries.memoryLimit(of: window.conversationID, on: db) }
                return Results.messages(try MessageQueries.contextWindow(of: window.conversationID, maxMessages: maxMessages ?? 0,
                                                                         maxTokens: window.maxTokens ?? 0, on: db))
            }
        case "list_conversations":
            let list = try StoreRequests.List.decode(request)
            let limit = list.limit ?? 50
            guard (1...500).contains(limit) else { throw .invalid("limit must be from 1 to 500") }
            read(operation) { db throws(StoreError) in
                let (page, next) = try ConversationQueries.list(owner: list.owner, limit: limit, cursor: list.cursor, on: db)
                return Results.page(page, next: next)
            }
        case "get_conversation":
            let get = try StoreRequests.Get.decode(request)
            read(operation) { db throws(StoreError) in
                guard let conversation = try ConversationQueries.get(get.conversationID, owner: get.owner, on: db) else {
                    throw .notFound("conversation \(get.conversationID) not found")
                }
                let messages = try MessageQueries.messages(of: get.conversationID, limit: get.messagesLimit, on: db)
                return Results.conversation(conversation, messages: messages)
            }
        case "delete_conversation":
            let scope = try StoreRequests.Scope.decode(request)
            write(operation) { db throws(StoreError) in
                guard try ConversationQueries.delete(scope.conversationID, owner: scope.owner, on: db) else {
                    throw .notFound("conversation \(scope.conversationID) not found")
                }
                return #"{"deleted":true}"#
            }
        case "save_conversation", "unsave_conversation":
            let save = try StoreRequests.Save.decode(request)
            let name = operation.op == "save_conversation" ? (save.name ?? save.conversationID) : nil
            write(operation) { db throws(StoreError) in
                guard try ConversationQueries.setSavedName(name, of: save.conversationID, owner: save.owner, on: db) else {
                    throw .notFound("conversation \(save.conversationID) not found")
                }
                return JSONValue.object(["saved_name": name.map(JSONValue.string) ?? .null]).jsonText
            }
        case "set_title":
            let titled = try StoreRequests.Title.decode(request)
            write(operation) { db throws(StoreError) in
                guard try ConversationQueries.setTitle(titled.title, of: titled.conversationID, owner: titled.owner, on: db) else {
                    throw .notFound("conversation \(titled.conversationID) not found")
                }
                return JSONValue.object(["title": .string(titled.title)]).jsonText
            }
        case "cleanup":
            let current = maintenance.config
            write(operation) { db throws(StoreError) in
                try RetentionQueries.apply(unsaved: current.retention, saved: current.savedRetention, now: Clock.now(), on: db).jsonText
            }
        default:
            throw StoreError(SB_ERR_UNSUPPORTED, "unsupported_op", "the store has no op \"\(operation.op)\"")
        }
    }

    /// Queues a write; the operation ends when its transaction has committed (or failed).
    private func write(_ operation: PluginKit.Operation, _ work: @escaping Writer.Work) {
        let queued = writer.submit(work) { result in Self.finish(operation, result) }
        if !queued { Self.finish(operation, .failure(StoreError(SB_ERR_BUSY, "store_busy", "the store's write queue is full (\(Writer.maxQueuedJobs) jobs); retry later"))) }
    }

    /// Runs a query on a reader now, or behind the writes when every reader is busy (or in memory).
    private func read(_ operation: PluginKit.Operation, _ work: @escaping Writer.Work) {
        do throws(StoreError) {
            if let readers, let result = try readers.withReader(work) { return operation.succeed(result: result) }
        } catch {
            return Self.finish(operation, .failure(error))
        }
        write(operation, work)
    }

    private static func finish(_ operation: PluginKit.Operation, _ result: Result<String, StoreError>) {
        switch result {
        case .success(let json): operation.succeed(result: json)
        case .failure(let error): operation.fail(error.pluginError, code: error.code)
        }
    }
}

extension StoreConfig {
    /// The new settings, keeping the database file the store already has open.
    static func keepingPath(of current: StoreConfig, _ next: StoreConfig) -> StoreConfig {
        var merged = next
        merged.path = current.path
        return merged
    }
}

/// Op results, encoded straight from the records (one JSON encoding per result).
enum Results {
    static func message(_ record: MessageRecord) -> String { JSONValue.object(["message": record.json]).jsonText }
    static func messages(_ records: [MessageRecord]) -> String {
        var writer = JSONTextWriter(capacity: 512 * records.count + 16)
        writer.beginObject()
        writer.key("messages")
        writer.beginArray()
        for record in records { record.write(to: &writer) }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    /// next_cursor is null, not absent, on the last page.
    static func page(_ conversations: [ConversationRecord], next: String?) -> String {
        JSONValue.object(["conversations": .array(conversations.map(\.json)), "next_cursor": next.map(JSONValue.string) ?? .null]).jsonText
    }

    static func conversation(_ conversation: ConversationRecord, messages: [MessageRecord]) -> String {
        JSONValue.object(["conversation": conversation.json, "messages": .array(messages.map(\.json))]).jsonText
    }
}
