import Foundation
import Host
import Testing

/// An assistant reply is written while it streams and finished into one message.
@Suite struct StreamingPersistenceTests {
    let scope: [String: JSONValue] = ["conversation_id": .string("c"), "owner": .string("o")]

    /// Starts a turn the way the orchestrator does: the user message and an incomplete
    /// assistant placeholder in one transaction, so a crash never leaves two user messages in a row.
    func beginTurn(_ store: StoreHarness, request: String) async throws -> Int64 {
        let batch = try await store.call("append_batch", JSONValue(scope.merging(["messages": .array([
            message("user", "question \(request)", request: request + ":user"),
            message("assistant", "", request: request + ":assistant", status: "incomplete"),
        ])]) { $1 }))
        return try #require(batch["messages"]?.array.last?["id"]?.int)
    }

    func stored(_ store: StoreHarness) async throws -> [JSONValue] {
        try await store.call("get_conversation", JSONValue(scope))["messages"]?.array ?? []
    }

    @Test func deltasAreFlushedAtMinCharsBeforeTheEnd() async throws {
        let store = try StoreHarness(config: ["persistence": .object(["interval_ms": .int(60_000), "min_chars": .int(10)])])
        defer { store.remove() }
        let id = try await beginTurn(store, request: "r1")
        try await store.call("stream_append", JSONValue(["message_id": .int(id), "content": .string("Hello ")]))
        try await store.call("stream_append", JSONValue(["message_id": .int(id), "content": .string("world, again"), "reasoning": .string("thinking")]))
        var assistant = try await stored(store).last
        for _ in 0..<100 where assistant?["content"] != .string("Hello world, again") {  // the flush is queued behind the writer
            try await Task.sleep(for: .milliseconds(10))
            assistant = try await stored(store).last
        }
        #expect(assistant?["content"] == .string("Hello world, again"))
        #expect(assistant?["reasoning"] == .string("thinking"))
        #expect(assistant?["status"] == .string("incomplete"))
    }

    @Test func deltasAreFlushedAfterIntervalMs() async throws {
        let store = try StoreHarness(config: ["persistence": .object(["interval_ms": .int(50), "min_chars": .int(1_000_000)])])
        defer { store.remove() }
        let id = try await beginTurn(store, request: "r1")
        try await store.call("stream_append", JSONValue(["message_id": .int(id), "content": .string("slow")]))
        #expect(try await stored(store).last?["content"] == .string(""), "below min_chars: not written yet")
        var content: JSONValue? = nil
        for _ in 0..<200 where content != .string("slow") {
            try await Task.sleep(for: .milliseconds(10))
            content = try await stored(store).last?["content"]
        }
        #expect(content == .string("slow"))
    }

    @Test func streamEndCompactsIntoOneCompleteMessage() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        let id = try await beginTurn(store, request: "r1")
        for piece in ["The ", "answer ", "is ", "42."] {
            try await store.call("stream_append", JSONValue(["message_id": .int(id), "content": .string(piece)]))
        }
        let usage: JSONValue = .object(["prompt_tokens": .int(12), "completion_tokens": .int(4)])
        let end = try await store.call("stream_end", JSONValue(["message_id": .int(id), "status": .string("complete"), "usage": usage, "model": .string("m-1")]))
        #expect(end["message"]?["content"] == .string("The answer is 42."))
        #expect(end["message"]?["status"] == .string("complete"))
        #expect(end["message"]?["usage"] == usage)
        let messages = try await stored(store)
        #expect(messages.map { $0["role"]?.stringValue } == ["user", "assistant"])
    }

    @Test func persistDeltasOffWritesOnlyAtTheEnd() async throws {
        let store = try StoreHarness(config: ["persistence": .object(["persist_deltas": .bool(false), "interval_ms": .int(10), "min_chars": .int(1)])])
        defer { store.remove() }
        let id = try await beginTurn(store, request: "r1")
        try await store.call("stream_append", JSONValue(["message_id": .int(id), "content": .string("buffered")]))
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await stored(store).last?["content"] == .string(""))
        let end = try await store.call("stream_end", JSONValue(["message_id": .int(id), "status": .string("incomplete")]))
        #expect(end["message"]?["content"] == .string("buffered"))
    }

    @Test func shutdownFlushesWhatIsBuffered() async throws {
        let store = try StoreHarness(config: ["persistence": .object(["interval_ms": .int(60_000), "min_chars": .int(1_000_000)])])
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        let id = try await beginTurn(store, request: "r1")
        try await store.call("stream_append", JSONValue(["message_id": .int(id), "content": .string("partial reply")]))
        store.instance.destroy()
        #expect(!FileManager.default.fileExists(atPath: store.path + "-wal"), "shutdown checkpoints and closes the database")
        let reopened = try StoreHarness.create(config: ["db_path": .string(store.path)])
        defer { reopened.destroy() }
        let last = try await StoreHarness.call(reopened, "get_conversation", JSONValue(scope))["messages"]?.array.last
        #expect(last?["content"] == .string("partial reply"))
        #expect(last?["status"] == .string("incomplete"))
    }
}
