import Foundation
import Testing
import Host
import PluginABI

/// Appending, idempotency, owner scoping, listing, saving and deleting, through the ABI.
@Suite struct HistoryTests {
    func scope(_ conversation: String = "c1", owner: String = "alice") -> [String: JSONValue] {
        ["conversation_id": .string(conversation), "owner": .string(owner)]
    }

    @Test func appendsGetIncreasingSequenceNumbersAndComeBackInOrder() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        for (index, text) in ["one", "two", "three"].enumerated() {
            let result = try await store.call("append", JSONValue(scope().merging(["message": message(index % 2 == 0 ? "user" : "assistant", text)]) { $1 }))
            #expect(result["message"]?["seq"] == .int(Int64(index + 1)))
        }
        let got = try await store.call("get_conversation", JSONValue(scope()))
        #expect(got["messages"]?.array.compactMap { $0["content"]?.stringValue } == ["one", "two", "three"])
        #expect(got["conversation"]?["message_count"] == .int(3))
    }

    @Test func aConversationCreatedWithMetadataAndAMemoryLimitKeepsThem() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        let created = try await store.call("create_conversation", JSONValue(scope().merging(["metadata": .object(["topic": .string("tea")]), "memory_limit": .int(2)]) { $1 }))
        #expect(created["conversation"]?["metadata"]?["topic"] == .string("tea"))
        #expect(created["conversation"]?["memory_limit"] == .int(2))
        let again = try await store.call("create_conversation", JSONValue(scope().merging(["memory_limit": .int(9)]) { $1 }))
        #expect(again["conversation"]?["memory_limit"] == .int(2))  // idempotent: the first creation stands
        await #expect(throws: (any Error).self) { try await store.call("create_conversation", JSONValue(scope(owner: "bob"))) }
        await #expect(throws: (any Error).self) { try await store.call("create_conversation", JSONValue(scope("c2").merging(["memory_limit": .int(0)]) { $1 })) }
        for index in 0..<5 { _ = try await store.call("append", JSONValue(scope().merging(["message": message("user", "m\(index)")]) { $1 })) }
        // load_context applies the conversation's memory limit unless the request names one.
        let context = try await store.call("load_context", JSONValue(scope()))
        #expect(context["messages"]?.array.compactMap { $0["content"]?.stringValue } == ["m3", "m4"])
        let wider = try await store.call("load_context", JSONValue(scope().merging(["max_messages": .int(4)]) { $1 }))
        #expect(wider["messages"]?.array.count == 4)
        let got = try await store.call("get_conversation", JSONValue(scope()))
        #expect(got["conversation"]?["metadata"]?["topic"] == .string("tea"))
    }

    /// load_context writes its messages straight to text (no dictionary per message): the same
    /// messages, every field, as get_conversation's.
    @Test func loadContextAnswersTheMessagesGetConversationDoes() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        let call: JSONValue = .array([.object(["id": .string("call_1"), "type": .string("function"),
                                               "function": .object(["name": .string("get_time"), "arguments": .string("{\"tz\":\"UTC\"}")])])])
        let messages: [JSONValue] = [
            message("user", "what \"time\"\nis it? é😀", request: "r1"),
            .object(["role": .string("assistant"), "content": .string(""), "reasoning": .string("think"), "tool_calls": call,
                     "usage": .object(["prompt_tokens": .int(11), "completion_tokens": .int(7), "cost": .double(0.25)]),
                     "model": .string("m"), "provider": .string("openai")]),
            .object(["role": .string("tool"), "content": .string("12:00"), "tool_call_id": .string("call_1"), "tool_name": .string("get_time")]),
            message("assistant", "noon", status: "incomplete"),
        ]
        _ = try await store.call("append_batch", JSONValue(scope().merging(["messages": .array(messages)]) { $1 }))
        let context = try await store.call("load_context", JSONValue(scope()))["messages"]?.array ?? []
        let stored = try await store.call("get_conversation", JSONValue(scope()))["messages"]?.array ?? []
        #expect(context.count == 4)
        #expect(context == stored)
        #expect(context[1]["tool_calls"] == call && context[1]["usage"]?["cost"] == .double(0.25) && context[2]["tool_name"] == .string("get_time"))
    }

    @Test func concurrentAppendsNeverShareASequenceNumber() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask { try await store.call("append", JSONValue(scope().merging(["message": message("user", "m\(index)")]) { $1 })) }
            }
            try await group.waitForAll()
        }
        let seqs = try await store.call("get_conversation", JSONValue(scope()))["messages"]?.array.compactMap { $0["seq"]?.int } ?? []
        #expect(seqs == Array(1...200))
    }

    @Test func appendWithAStoredRequestIDReturnsTheStoredMessage() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        let first = try await store.call("append", JSONValue(scope().merging(["message": message("user", "hello", request: "r1")]) { $1 }))
        let again = try await store.call("append", JSONValue(scope().merging(["message": message("user", "hello again", request: "r1")]) { $1 }))
        #expect(first == again)
        let count = try await store.call("get_conversation", JSONValue(scope()))["messages"]?.array.count
        #expect(count == 1)
    }

    @Test func anotherOwnersConversationIsNotFoundAndUntouched() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        try await store.call("append", JSONValue(scope().merging(["message": message("user", "secret")]) { $1 }))
        await #expect(throws: StoreHarness.Failure(status: -5, code: "not_found", message: "conversation c1 not found")) {
            try await store.call("get_conversation", JSONValue(scope(owner: "mallory")))
        }
        await #expect(throws: StoreHarness.Failure.self) {
            try await store.call("append", JSONValue(scope(owner: "mallory").merging(["message": message("user", "hijack")]) { $1 }))
        }
        await #expect(throws: StoreHarness.Failure.self) { try await store.call("delete_conversation", JSONValue(scope(owner: "mallory"))) }
        await #expect(throws: StoreHarness.Failure(status: -5, code: "not_found", message: "conversation c1 not found")) {
            try await store.call("load_context", JSONValue(scope(owner: "mallory")))
        }
        let fresh = try await store.call("load_context", JSONValue(scope("c-new", owner: "mallory")))  // not created yet: empty
        #expect(fresh["messages"]?.array.isEmpty == true)
        #expect(try await store.call("get_conversation", JSONValue(scope()))["messages"]?.array.count == 1)
    }

    @Test func contextWindowKeepsTheNewestThatFitOldestFirst() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        let messages: [JSONValue] = (1...10).map { message($0 % 2 == 1 ? "user" : "assistant", "message \($0) " + String(repeating: "x", count: 36)) }
        try await store.call("append_batch", JSONValue(scope().merging(["messages": .array(messages)]) { $1 }))
        let byCount = try await store.call("load_context", JSONValue(scope().merging(["max_messages": .int(3)]) { $1 }))
        #expect(byCount["messages"]?.array.compactMap { $0["seq"]?.int } == [8, 9, 10])
        let byTokens = try await store.call("load_context", JSONValue(scope().merging(["max_tokens": .int(30)]) { $1 }))
        #expect(byTokens["messages"]?.array.compactMap { $0["seq"]?.int } == [9, 10])  // ~14 tokens each
    }

    @Test func contextWindowNeverStartsWithOrphanedToolResults() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        let calls: JSONValue = .array([.object(["id": .string("t1"), "type": .string("function")]), .object(["id": .string("t2"), "type": .string("function")])])
        try await store.call("append_batch", JSONValue(scope().merging(["messages": .array([
            message("user", "what time is it in two places?"),
            message("assistant", "", toolCalls: calls),
            message("tool", "10:00", toolCallID: "t1"),
            message("tool", "11:00", toolCallID: "t2"),
            message("assistant", "It is 10 and 11."),
        ])]) { $1 }))
        // Three newest would be tool, tool, assistant: the tool results lose their call, so they go.
        let three = try await store.call("load_context", JSONValue(scope().merging(["max_messages": .int(3)]) { $1 }))
        #expect(three["messages"]?.array.compactMap { $0["role"]?.stringValue } == ["assistant"])
        let four = try await store.call("load_context", JSONValue(scope().merging(["max_messages": .int(4)]) { $1 }))
        #expect(four["messages"]?.array.compactMap { $0["role"]?.stringValue } == ["assistant", "tool", "tool", "assistant"])
        #expect(four["messages"]?.array.first?["tool_calls"] == calls)
    }

    @Test func conversationsListPerOwnerInPages() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        for index in 0..<5 { try await store.call("append", JSONValue(scope("a\(index)").merging(["message": message("user", "hi")]) { $1 })) }
        try await store.call("append", JSONValue(scope("b0", owner: "bob").merging(["message": message("user", "hi")]) { $1 }))
        var seen: [String] = []
        var cursor: JSONValue = .null
        repeat {
            let page = try await store.call("list_conversations", JSONValue(["owner": .string("alice"), "limit": .int(2), "cursor": cursor]))
            seen += page["conversations"]?.array.compactMap { $0["id"]?.stringValue } ?? []
            cursor = page["next_cursor"] ?? .null
        } while cursor != .null && seen.count < 10
        #expect(Set(seen) == ["a0", "a1", "a2", "a3", "a4"] && seen.count == 5)
        await #expect(throws: StoreHarness.Failure.self) {
            try await store.call("list_conversations", JSONValue(["owner": .string("alice"), "cursor": .string("garbage")]))
        }
    }

    @Test func saveUnsaveAndDelete() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        try await store.call("append", JSONValue(scope().merging(["message": message("user", "keep me")]) { $1 }))
        #expect(try await store.call("save_conversation", JSONValue(scope().merging(["name": .string("Trip plans")]) { $1 }))["saved_name"] == .string("Trip plans"))
        #expect(try await store.call("get_conversation", JSONValue(scope()))["conversation"]?["saved_name"] == .string("Trip plans"))
        #expect(try await store.call("unsave_conversation", JSONValue(scope()))["saved_name"] == .null)
        try await store.call("set_title", JSONValue(scope().merging(["title": .string("Holidays")]) { $1 }))
        #expect(try await store.call("get_conversation", JSONValue(scope()))["conversation"]?["title"] == .string("Holidays"))
        await #expect(throws: StoreHarness.Failure.self) {
            try await store.call("set_title", JSONValue(scope(owner: "mallory").merging(["title": .string("x")]) { $1 }))
        }
        #expect(try await store.call("delete_conversation", JSONValue(scope()))["deleted"] == .bool(true))
        await #expect(throws: StoreHarness.Failure.self) { try await store.call("get_conversation", JSONValue(scope())) }
    }

    @Test func badRequestsAreClearErrors() async throws {
        let store = try StoreHarness()
        defer { store.remove() }
        // A malformed request is refused by start() itself: no events, SB_ERR_INVALID.
        #expect(throws: ComponentError(status: SB_ERR_INVALID, message: "missing field \"owner\"")) {
            try store.instance.start(op: "append", request: JSONValue(["conversation_id": .string("c"), "message": message("user", "x")]).jsonText)
        }
        await #expect(throws: StoreHarness.Failure.self) {
            try await store.call("append", JSONValue(scope().merging(["message": message("wizard", "x")]) { $1 }))
        }
        #expect(throws: ComponentError.self) { try store.instance.start(op: "teleport", request: "{}") }
    }

    @Test func memoryStoreBehavesTheSameAndKeepsNothing() async throws {
        let memory = try StoreHarness.create(component: "memory", config: [:])
        defer { memory.destroy() }
        try await StoreHarness.call(memory, "append", JSONValue(scope().merging(["message": message("user", "ephemeral", request: "r")]) { $1 }))
        let again = try await StoreHarness.call(memory, "append", JSONValue(scope().merging(["message": message("user", "other", request: "r")]) { $1 }))
        #expect(again["message"]?["content"] == .string("ephemeral"))
        let other = try StoreHarness.create(component: "memory", config: [:])
        defer { other.destroy() }
        await #expect(throws: StoreHarness.Failure.self) { try await StoreHarness.call(other, "get_conversation", JSONValue(scope())) }
    }
}
