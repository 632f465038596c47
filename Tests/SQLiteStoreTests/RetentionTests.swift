import Foundation
import Host
import Testing

/// Retention limits, applied by the "cleanup" op (the same code the periodic cleanup runs).
@Suite struct RetentionTests {
    func fill(_ store: StoreHarness, owner: String, conversations: Int, messages: Int, prefix: String = "c") async throws {
        for c in 0..<conversations {
            let batch: [JSONValue] = (0..<messages).map { message($0 % 2 == 0 ? "user" : "assistant", "m\($0)") }
            try await store.call("append_batch", JSONValue(["conversation_id": .string("\(owner)-\(prefix)\(c)"), "owner": .string(owner), "messages": .array(batch)]))
            try await Task.sleep(for: .milliseconds(3))  // distinct updated_at, so "newest" is well defined
        }
    }

    func ids(_ store: StoreHarness, owner: String) async throws -> [String] {
        try await store.call("list_conversations", JSONValue(["owner": .string(owner), "limit": .int(500)]))["conversations"]?.array.compactMap { $0["id"]?.stringValue } ?? []
    }

    @Test func maxMessagesTrimsTheOldestOfEachConversation() async throws {
        let store = try StoreHarness(config: ["retention": .object(["max_messages": .int(3)])])
        defer { store.remove() }
        try await fill(store, owner: "alice", conversations: 2, messages: 5)
        let outcome = try await store.call("cleanup", .object([:]))
        #expect(outcome["deleted_messages"] == .int(4))
        let kept = try await store.call("get_conversation", JSONValue(["conversation_id": .string("alice-c0"), "owner": .string("alice")]))
        #expect(kept["messages"]?.array.compactMap { $0["seq"]?.int } == [3, 4, 5])
    }

    @Test func maxSessionsKeepsEachOwnersNewestAndNeverTouchesAnotherOwner() async throws {
        let store = try StoreHarness(config: ["retention": .object(["max_sessions": .int(2)])])
        defer { store.remove() }
        try await fill(store, owner: "alice", conversations: 4, messages: 1)
        try await fill(store, owner: "bob", conversations: 2, messages: 1)
        _ = try await store.call("cleanup", .object([:]))
        #expect(try await ids(store, owner: "alice") == ["alice-c3", "alice-c2"])
        #expect(try await ids(store, owner: "bob") == ["bob-c1", "bob-c0"])
    }

    @Test func savedConversationsFollowTheirOwnLimits() async throws {
        let store = try StoreHarness(config: ["retention": .object(["max_sessions": .int(1)]), "saved_sessions": .object(["max_saved": .int(5)])])
        defer { store.remove() }
        try await fill(store, owner: "alice", conversations: 3, messages: 1)
        try await store.call("save_conversation", JSONValue(["conversation_id": .string("alice-c0"), "owner": .string("alice"), "name": .string("keep")]))
        _ = try await store.call("cleanup", .object([:]))
        #expect(Set(try await ids(store, owner: "alice")) == ["alice-c2", "alice-c0"])
    }

    @Test func retentionChangesLiveThroughReconfigureAndThePathDoesNot() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        try await fill(store, owner: "alice", conversations: 3, messages: 1)
        _ = try await store.call("cleanup", .object([:]))
        #expect(try await ids(store, owner: "alice").count == 3)  // no limit configured
        try store.instance.reconfigure(.object(["db_path": .string(store.directory + "/history.db"), "retention": .object(["max_sessions": .int(1)])]))
        _ = try await store.call("cleanup", .object([:]))
        #expect(try await ids(store, owner: "alice").count == 1)
        let moved = #expect(throws: ComponentError.self) {
            try store.instance.reconfigure(.object(["db_path": .string(store.directory + "/elsewhere.db")]))
        }
        #expect(moved?.message.contains("db_path cannot change while running") == true)
    }

    @Test func maxAgeRemovesConversationsNotUpdatedSince() async throws {
        // 2.16 s: long enough that writing "new" and cleaning up fit inside it on a loaded 2-core machine
        let store = try StoreHarness(config: ["retention": .object(["max_age_hours": .double(0.0006)])])
        defer { store.remove() }
        try await fill(store, owner: "alice", conversations: 1, messages: 1, prefix: "old")
        try await Task.sleep(for: .milliseconds(2300))
        try await fill(store, owner: "alice", conversations: 1, messages: 1, prefix: "new")
        _ = try await store.call("cleanup", .object([:]))
        #expect(try await ids(store, owner: "alice") == ["alice-new0"])
    }

    @Test func cleanupRunsByItselfEveryInterval() async throws {
        let store = try StoreHarness(config: ["retention": .object(["max_messages": .int(2), "cleanup_interval_minutes": .double(0.002)]),
                                              "persistence": .object(["interval_ms": .int(20)])])  // the writer ticks every 20 ms
        defer { store.remove() }
        try await fill(store, owner: "alice", conversations: 1, messages: 6)
        var count = 6
        for _ in 0..<300 where count > 2 {  // bounded: 3 s
            try await Task.sleep(for: .milliseconds(10))
            count = try await store.call("get_conversation", JSONValue(["conversation_id": .string("alice-c0"), "owner": .string("alice")]))["messages"]?.array.count ?? -1
        }
        #expect(count == 2)
    }

    @Test func invalidRetentionSettingsAreRefusedWithTheKey() {
        #expect {
            try StoreHarness.create(config: ["db_path": .string(":memory:"), "retention": .object(["max_messages": .int(-1)])])
        } throws: { error in
            (error as? ComponentError)?.message.hasPrefix("retention.max_messages must be a whole number") == true
        }
    }
}
