import Foundation
import PluginABI
import Testing
@testable import Host

/// Chat turns through the orchestrator: the real OpenAI plugin against the mock LLM, the real
/// SQLite store, the native tools.
@Suite(.serialized) struct ChatTurnTests {
    @Test func aTurnStreamsWithSequenceNumbersAndIsStored() async throws {
        let rig = try await ChatRig.start()
        defer { rig.stop() }
        let events = try await rig.chat("hello", id: "r1").terminal()
        #expect(events.first?.kind == .message && events.first?.name == "turn")
        #expect(events.map(\.index) == Array(1...Int64(events.count)))
        #expect(events.text == "w0 w1 w2 w3 w4 ")
        #expect(events.ending?.kind == .done)
        let done = try #require(events.doneData)
        let conversation = try #require(done["conversation_id"]?.stringValue)
        #expect(done["usage"]?["total_tokens"] == .int(18))
        let stored = try await rig.stored(conversation)
        #expect(stored.map { $0["role"]?.stringValue } == ["user", "assistant"])
        #expect(stored[0]["request_id"] == .string("r1"))
        #expect(stored[1]["content"] == .string("w0 w1 w2 w3 w4 "))
        #expect(stored[1]["status"] == .string("complete"))
        #expect(stored[1]["usage"]?["prompt_tokens"] == .int(11))
    }

    @Test func toolCallsLoopOverSeveralHopsAndEveryStepIsStored() async throws {
        let rig = try await ChatRig.start(model: #"mock/agent?tool=calculator&hops=2&args={"expression":"6*7"}"#)
        defer { rig.stop() }
        let events = try await rig.chat("what is 6*7, twice?").terminal()
        #expect(events.ending?.kind == .done)
        #expect(events.text == "result: 42")
        let statuses = events.toolStatuses
        #expect(statuses.map(\.text) == ["executing", "completed", "executing", "completed"])
        #expect(statuses.map(\.name) == Array(repeating: "calculator", count: 4))
        let completed = try JSONValue.parse(statuses[1].data)
        #expect(completed["result_preview"] == .string("42"))
        #expect(completed["is_error"] == .bool(false))
        #expect(try JSONValue.parse(statuses[0].data)["arguments"]?["expression"] == .string("6*7"))
        let done = try #require(events.doneData)
        #expect(done["tool_hops"] == .int(2))
        #expect(done["usage"]?["total_tokens"] == .int(54))  // three model calls, 18 each

        let stored = try await rig.stored(try #require(done["conversation_id"]?.stringValue))
        #expect(stored.map { $0["role"]?.stringValue } == ["user", "assistant", "tool", "assistant", "tool", "assistant"])
        #expect(stored[1]["tool_calls"]?.arrayValue?.first?["id"] == .string("call_0_0"))
        #expect(stored[2]["tool_call_id"] == .string("call_0_0"))
        #expect(stored[2]["content"] == .string("42"))
        #expect(stored[5]["content"] == .string("result: 42"))

        // The model saw each tool result, in the OpenAI shape, on the next call.
        let bodies = try await rig.mock.requests().compactMap { $0["body"] }
        #expect(bodies.count == 3)
        let third = bodies[2]["messages"]?.arrayValue ?? []
        #expect(third.filter { $0["role"] == .string("tool") }.count == 2)
        #expect(bodies[0]["tools"]?.arrayValue?.contains { $0["function"]?["name"] == .string("calculator") } == true)
    }

    @Test func parallelToolCallsAnswerInCallOrder() async throws {
        let rig = try await ChatRig.start(model: #"mock/agent?tool=calculator&hops=1&parallel=3&args={"expression":"2*3"}"#)
        defer { rig.stop() }
        let events = try await rig.chat("go").terminal()
        #expect(events.ending?.kind == .done, "\(String(describing: events.ending))")
        let bodies = try await rig.mock.requests().compactMap { $0["body"] }
        let results = (bodies.last?["messages"]?.arrayValue ?? []).filter { $0["role"] == .string("tool") }
        #expect(results.map { $0["tool_call_id"]?.stringValue } == ["call_0_0", "call_0_1", "call_0_2"])
    }

    @Test func anUnknownToolAndBadArgumentsAreErrorsTheModelReads() async throws {
        let rig = try await ChatRig.start(model: #"mock/agent?tool=no_such_tool&args={}"#)
        defer { rig.stop() }
        let events = try await rig.chat("go").terminal()
        #expect(events.ending?.kind == .done, "\(String(describing: events.ending))")
        #expect(events.toolStatuses.map(\.text) == ["executing", "error"])
        #expect(events.text.contains("there is no tool named 'no_such_tool'"))
    }

    @Test func maxToolHopsEndsWithAClearMessage() async throws {
        var settings = ChatSettings()
        settings.maxToolHops = 2
        let rig = try await ChatRig.start(settings, model: #"mock/agent?tool=calculator&hops=9&args={"expression":"1"}"#)
        defer { rig.stop() }
        let events = try await rig.chat("loop forever").terminal()
        let done = try #require(events.doneData)
        #expect(done["finish_reason"] == .string("max_tool_hops"))
        #expect(done["tool_hops"] == .int(2))
        #expect(events.text.contains("max_tool_hops"))
        #expect(events.toolStatuses.count == 4)
        let stored = try await rig.stored(try #require(done["conversation_id"]?.stringValue))
        #expect(stored.last?["content"]?.stringValue?.contains("max_tool_hops") == true)
        #expect(stored.last?["tool_calls"] == nil || stored.last?["tool_calls"] == .null)
    }

    @Test func toolNameForcesThatToolOnTheFirstCall() async throws {
        let rig = try await ChatRig.start(model: #"mock/agent?tool=calculator&args={"expression":"2"}"#)
        defer { rig.stop() }
        let events = try await rig.chat("go", extra: ["tool_name": .string("calculator")]).terminal()
        #expect(events.ending?.kind == .done)
        let bodies = try await rig.mock.requests().compactMap { $0["body"] }
        #expect(bodies.first?["tool_choice"]?["function"]?["name"] == .string("calculator"))
        #expect(bodies.last?["tool_choice"] == nil)

        let unknown = try await rig.chat("go", extra: ["tool_name": .string("nope")]).terminal()
        #expect(unknown.ending?.kind == .error && unknown.ending?.name == "invalid_request")
    }

    @Test func historySystemPromptAndOptionsReachTheModel() async throws {
        var settings = ChatSettings()
        settings.systemPrompt = "Be brief."
        let rig = try await ChatRig.start(settings, model: "mock/echo")
        defer { rig.stop() }
        let first = try await rig.chat("one").terminal()
        let conversation = try #require(first.doneData?["conversation_id"]?.stringValue)
        #expect(first.text == "echo: one messages=2 system=Be brief.")
        let second = try await rig.chat("two", conversation: conversation, extra: ["options": .object(["temperature": .double(0.25)])]).terminal()
        #expect(second.text == "echo: two messages=4 system=Be brief.")
        let body = try #require(try await rig.mock.requests().last?["body"])
        #expect(body["temperature"] == .double(0.25))
        #expect(body["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["system", "user", "assistant", "user"])
    }

    @Test func theContextBudgetKeepsTheNewestMessagesAndPreserveRecent() async throws {
        var settings = ChatSettings()
        settings.maxTokens = 300
        settings.reserveTokens = 100
        settings.preserveRecent = 2
        settings.systemPrompt = ""
        let rig = try await ChatRig.start(settings, model: "mock/echo")
        defer { rig.stop() }
        let long = String(repeating: "x", count: 400)  // about 100 tokens each
        var conversation: String?
        for _ in 0..<4 {
            let events = try await rig.chat(long, conversation: conversation).terminal()
            conversation = events.doneData?["conversation_id"]?.stringValue
        }
        let messages = try await rig.mock.requests().last?["body"]?["messages"]?.arrayValue ?? []
        // Six earlier messages exist; the budget admits only the newest ones, never fewer than preserve_recent.
        #expect(messages.count >= 3 && messages.count < 7)
        #expect(messages.last?["content"] == .string(long))
    }

    @Test func aSessionsMemoryLimitBoundsTheHistoryATurnSees() async throws {
        var settings = ChatSettings()
        settings.preserveRecent = 0
        let rig = try await ChatRig.start(settings, model: "mock/echo")
        defer { rig.stop() }
        let created = try #require(try await rig.submit("create_conversation", .object([
            "owner": .string("alice"), "metadata": .object(["topic": .string("tea")]), "memory_limit": .int(2)])).terminal().doneData)
        let conversation = try #require(created["conversation"]?["id"]?.stringValue)
        #expect(created["conversation"]?["metadata"]?["topic"] == .string("tea"))
        for text in ["a", "b"] { _ = try await rig.chat(text, conversation: conversation).terminal() }
        let third = try await rig.chat("c", conversation: conversation).terminal()
        #expect(third.text.hasPrefix("echo: c messages=4 "))  // system, the newest two stored, this one
        let wider = try await rig.chat("d", conversation: conversation, extra: ["memory_limit": .int(5)]).terminal()
        #expect(wider.text.hasPrefix("echo: d messages=7 "))
        #expect(throws: ComponentError.self) { try rig.chat("e", conversation: conversation, extra: ["memory_limit": .int(0)]) }
    }

    @Test func aRepeatedRequestIDReplaysInsteadOfCallingTheModelAgain() async throws {
        let rig = try await ChatRig.start(model: "mock/text?chunks=20&rate=200")
        defer { rig.stop() }
        let first = try rig.chat("hi", id: "same")
        _ = await first.wait { $0.contains { $0.kind == .textDelta } }
        let joined = try rig.chat("hi", id: "same")  // while the turn runs
        let a = await first.terminal(), b = await joined.terminal()
        #expect(a.ending?.kind == .done)
        #expect(a == b)
        let again = try await rig.chat("hi", id: "same").terminal()  // after it ended
        #expect(again == a)
        #expect(try await rig.mock.requests().count == 1)
    }

    @Test func resumeReplaysAfterASequenceNumber() async throws {
        let rig = try await ChatRig.start(model: "mock/text?chunks=10")
        defer { rig.stop() }
        let all = try await rig.chat("hi", id: "r").terminal()
        let resumed = await (try rig.submit("resume", .object(["owner": .string("alice"), "request_id": .string("r"), "after_seq": .int(4)]))).terminal()
        #expect(resumed == Array(all.drop { $0.index <= 4 }))
        let unknown = await (try rig.submit("resume", .object(["owner": .string("alice"), "request_id": .string("nope"), "after_seq": .int(0)]))).terminal()
        #expect(unknown.ending?.name == "not_found")
        let otherOwner = await (try rig.submit("resume", .object(["owner": .string("bob"), "request_id": .string("r"), "after_seq": .int(0)]))).terminal()
        #expect(otherOwner.ending?.name == "not_found")
    }

    @Test func cancellingStopsTheStreamWithin100msAndStoresWhatStreamed() async throws {
        let rig = try await ChatRig.start(model: "mock/text?chunks=2000&rate=100")
        defer { rig.stop() }
        let watch = try rig.chat("long story")
        _ = await watch.wait { $0.filter { $0.kind == .textDelta }.count >= 3 }
        let cancelledAt = ContinuousClock.now
        rig.cancel(watch)
        let events = await watch.terminal(seconds: 5)
        let elapsed = ContinuousClock.now - cancelledAt
        #expect(events.ending?.kind == .cancelled)
        #expect(elapsed < .milliseconds(100))
        let conversation = try #require((try? JSONValue.parse(events.first?.data ?? ""))?["conversation_id"]?.stringValue)
        var stored: [JSONValue] = []
        for _ in 0..<100 {  // the final write lands right after the terminal event's delivery
            stored = (try? await rig.stored(conversation)) ?? []
            if stored.last?["status"] == .string("incomplete"), stored.last?["content"]?.stringValue?.isEmpty == false { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(stored.last?["status"] == .string("incomplete"))
        #expect(stored.last?["content"]?.stringValue?.hasPrefix("w0 w1 w2 ") == true)
    }

    @Test func oneTurnAtATimePerConversation() async throws {
        var settings = ChatSettings()
        settings.busy = .reject
        let rig = try await ChatRig.start(settings, model: "mock/text?chunks=30&rate=300")
        defer { rig.stop() }
        let first = try await rig.chat("a").terminal()
        let conversation = try #require(first.doneData?["conversation_id"]?.stringValue)
        let running = try rig.chat("b", conversation: conversation)
        _ = await running.wait { $0.contains { $0.kind == .textDelta } }
        let refused = try await rig.chat("c", conversation: conversation).terminal()
        #expect(refused.ending?.name == "conversation_busy")
        #expect(await running.terminal().ending?.kind == .done)

        rig.orchestrator.update(settings: { var queued = settings; queued.busy = .queue; return queued }())
        let one = try rig.chat("d", conversation: conversation), two = try rig.chat("e", conversation: conversation)
        let (a, b) = (await one.terminal(), await two.terminal())
        #expect(a.ending?.kind == .done && b.ending?.kind == .done)
        let stored = try await rig.stored(conversation)
        #expect(stored.filter { $0["role"] == .string("user") }.compactMap { $0["content"]?.stringValue } == ["a", "b", "d", "e"])
        #expect(stored.map { $0["role"]?.stringValue } == ["user", "assistant", "user", "assistant", "user", "assistant", "user", "assistant"])
    }

    @Test func ownersNeverSeeEachOthersConversations() async throws {
        let rig = try await ChatRig.start()
        defer { rig.stop() }
        let mine = try await rig.chat("secret", owner: "alice").terminal()
        let conversation = try #require(mine.doneData?["conversation_id"]?.stringValue)
        let intrusion = try await rig.chat("let me in", conversation: conversation, owner: "bob").terminal()
        #expect(intrusion.ending?.name == "not_found")
        let read = await (try rig.submit("get_conversation", .object(["owner": .string("bob"), "conversation_id": .string(conversation)]))).terminal()
        #expect(read.ending?.name == "not_found")
        let list = await (try rig.submit("list_conversations", .object(["owner": .string("bob")]))).terminal()
        #expect(list.doneData?["conversations"]?.arrayValue?.isEmpty == true)
        let own = await (try rig.submit("list_conversations", .object(["owner": .string("alice")]))).terminal()
        #expect(own.doneData?["conversations"]?.arrayValue?.count == 1)
    }

    @Test func aProviderFailureIsAStructuredErrorAndTheQuestionIsKept() async throws {
        let rig = try await ChatRig.start(model: "mock/status?code=500")
        defer { rig.stop() }
        let events = try await rig.chat("hi").terminal()
        let ending = try #require(events.ending)
        #expect(ending.kind == .error && ending.name == "provider_error")
        #expect(try JSONValue.parse(ending.data)["http_status"] == .int(500))
        let conversation = try #require((try? JSONValue.parse(events.first?.data ?? ""))?["conversation_id"]?.stringValue)
        let stored = try await rig.stored(conversation)
        #expect(stored.map { $0["status"]?.stringValue } == ["complete", "incomplete"])
    }

    @Test func badRequestsAreRefusedNamingTheField() async throws {
        let rig = try await ChatRig.start()
        defer { rig.stop() }
        let cases: [(String, JSONValue, String)] = [
            ("chat", .object(["request_id": .string("x"), "text": .string("t")]), "owner is required"),
            ("chat", .object(["owner": .string("a"), "text": .string("t")]), "request_id is required"),
            ("chat", .object(["owner": .string("a"), "request_id": .string("x"), "text": .int(3)]), "text must be a string"),
            ("chat", .object(["owner": .string("a"), "request_id": .string("x"), "text": .string("")]), "text must not be empty"),
            ("chat", .object(["owner": .string("a"), "request_id": .string("x"), "text": .string("t"), "options": .object(["messages": .array([])])]),
             "options.messages cannot be set per request"),
            ("resume", .object(["owner": .string("a"), "request_id": .string("x"), "after_seq": .int(-1)]), "after_seq must be a non-negative integer"),
        ]
        for (op, request, message) in cases {
            let error = #expect(throws: ComponentError.self) { try rig.submit(op, request) }
            #expect(error == ComponentError(status: SB_ERR_INVALID, message: message))
        }
        let unknown = #expect(throws: ComponentError.self) { try rig.submit("dance", .object([:])) }
        #expect(unknown?.status == SB_ERR_UNSUPPORTED)
    }

    @Test func theCatalogListsToolsWithTheirSource() async throws {
        let rig = try await ChatRig.start()
        defer { rig.stop() }
        let catalog = try #require(await (try rig.submit("list_catalog", .object(["owner": .string("alice")]))).terminal().doneData)
        let names = catalog["tools"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
        #expect(names.contains("calculator") && names.contains("current_time"))
        #expect(catalog["tools"]?.arrayValue?.allSatisfy { $0["source"] == .string("native_tools") } == true)
    }
}

/// Hot reload of the `chat:` settings (issue 8): the orchestrator is a configuration listener.
@Suite(.serialized) struct ChatReloadTests {
    static func config(_ chat: String) throws -> HostConfig {
        try HostConfig.parse("plugin_dir: /nonexistent\nchat:\n" + chat, file: "/tmp/plugins.yaml")
    }

    @Test func chatSettingsChangedWhileATurnStreamsApplyToTheNextTurn() async throws {
        let rig = try await ChatRig.start(model: "mock/echo")
        defer { rig.stop() }
        let before = try Self.config("  system_prompt: Old.\n  max_tool_hops: 8\n")
        _ = rig.orchestrator.apply(before, previous: try Self.config("  system_prompt: x\n"))
        let slow = try rig.chat("first", model: "mock/text?chunks=40&rate=100")
        _ = await slow.wait { $0.contains { $0.kind == .textDelta } }
        let after = try Self.config("  system_prompt: New.\n  max_tool_hops: 0\n  context: {max_tokens: 2000, reserve_tokens: 100}\n")
        #expect(rig.orchestrator.apply(after, previous: before).isEmpty)
        #expect(rig.orchestrator.settings.maxTokens == 2000)
        #expect(await slow.terminal().ending?.kind == .done)  // the running turn finished on its settings
        let next = try await rig.chat("second").terminal()
        #expect(next.text == "echo: second messages=2 system=New.")
        let bodies = try await rig.mock.requests().compactMap { $0["body"] }
        #expect(bodies.first?["messages"]?.arrayValue?.first?["content"] == .string("Old."))
        #expect(bodies.first?["tools"] != nil)
        #expect(bodies.last?["tools"] == nil)  // max_tool_hops: 0 offers no tools
    }
}
