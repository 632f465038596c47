import Foundation
import Host
import PluginTestKit
import Testing

/// Chat over WebSocket end to end: the real host process with the mock LLM, a real MCP server
/// and the SQLite store, driven by Python's `websockets` and node's `ws`.
@Suite(.serialized) struct EndToEndTests {
    static let timeTool = #"mock/agent?tool=get_current_time&args={"timezone":"UTC"}&hops=2"#

    @Test(arguments: [TestClient.Kind.python, .node])
    func multiTurnChatWithAnMCPToolOverSeveralHops(client: TestClient.Kind) async throws {
        try await LiveHost.with(model: Self.timeTool) { host in
            let first = try await TestClient.run(host.url, [
                Step.chat("t1", "What time is it in UTC?"),
                Step.recvUntil(["request_id": "t1", "status": "completed"], timeout: 20),
            ], kind: client)
            let frames = first.frames(request: "t1")
            #expect(frames.first?["status"] == "processing")
            let tools = frames.compactMap { $0["chunk"] }.filter { $0["type"] == "tool_execution" }
            #expect(tools.map { $0["status"]?.stringValue ?? "" } == ["executing", "completed", "executing", "completed"])
            #expect(tools.allSatisfy { $0["tool_name"] == "get_current_time" })
            let text = frames.compactMap { $0["chunk"] }.filter { $0["type"] == "text" }.compactMap { $0["data"]?.stringValue }.joined()
            #expect(text.hasPrefix("result: ") && text.contains("UTC"))  // the MCP server's answer, through the model
            let seqs = frames.compactMap { $0["seq"]?.intValue }
            #expect(seqs == Array(1...Int64(seqs.count)))
            let completed = try #require(frames.last { $0["status"] == "completed" })
            #expect(completed["result"]?["tool_hops"] == .int(2))
            let conversation = try #require(completed["result"]?["conversation_id"]?.stringValue)

            // The next turn of the conversation sees its history: system, the first question, two tool
            // rounds (assistant + tool each), the answer, and the new question.
            let second = try await TestClient.run(host.url, [
                Step.chat("t2", "And again?", ["conversation_id": .string(conversation), "model": "mock/echo"]),
                Step.recvUntil(["request_id": "t2", "status": "completed"], timeout: 20),
            ], kind: client)
            let echoed = second.frames(request: "t2").compactMap { $0["chunk"] }.filter { $0["type"] == "text" }.compactMap { $0["data"]?.stringValue }.joined()
            #expect(echoed == "echo: And again? messages=8 system=Be brief.")
            let stored = try await TestClient.run(host.url, [
                Step.action("get_conversation", "g", ["conversation_id": .string(conversation)]),
                Step.recvUntil(["request_id": "g", "status": "completed"]),
            ], kind: client)
            let roles = stored.frames(request: "g").last?["result"]?["messages"]?.arrayValue?.compactMap { $0["role"]?.stringValue }
            #expect(roles == ["user", "assistant", "tool", "assistant", "tool", "assistant", "user", "assistant"])
            // What operators see of it: WebSocket requests, turns, tool calls (Prometheus text from /metrics).
            let metrics = try await CurlResponse.run(["http://127.0.0.1:\(host.port)/metrics"]).body
            #expect(metrics.contains("switchboard_websocket_requests_total{op=\"chat\",outcome=\"ok\"} 2\n"))
            #expect(metrics.contains("switchboard_turns_total{outcome=\"done\"} 2\n"))
            #expect(metrics.contains("switchboard_tool_calls_total{server=\"time\",outcome=\"ok\"} 2\n"))
        }
    }

    @Test func theTypeDialectOfTheSeedClientsWorksUnchanged() async throws {
        try await LiveHost.with(model: Self.timeTool) { host in
            let transcript = try await TestClient.run(host.url, [
                Step.type("user_message", ["message": "time please"]),
                Step.recvUntil(["type": "assistant_message"], timeout: 20),
                Step.type("clear_history"),
                Step.recvUntil(["type": "session_cleared"]),
                Step.type("user_message", ["message": "again", "model": "mock/echo"]),
                Step.recvUntil(["type": "assistant_message"], timeout: 20),
            ], kind: .node)
            let answers = transcript.frames.filter { $0["type"] == "assistant_message" }
            #expect(answers.count == 2)
            #expect(answers[0]["message"]?.stringValue?.hasPrefix("result: ") == true)
            #expect(answers[0]["usage"]?["total_tokens"] == .int(54))
            #expect(transcript.frames.filter { $0["type"] == "tool_execution" }.count == 4)
            // After clear_history the next message starts a new conversation: no history.
            #expect(answers[1]["message"] == "echo: again messages=2 system=Be brief.")
            #expect(answers[0]["conversation_id"] != answers[1]["conversation_id"])
        }
    }

    @Test func cancelAndDisconnectStopTheTurnAndKeepWhatStreamed() async throws {
        try await LiveHost.with(model: "mock/text?chunks=3000&rate=100") { host in
            let cancelled = try await TestClient.run(host.url, [
                Step.chat("c1", "long"),
                Step.recvUntil(["request_id": "c1", "status": "chunk"], count: 3),
                Step.action("cancel", "c1"),
                Step.recvUntil(["request_id": "c1", "status": "cancelled"], timeout: 5),
            ])
            let conversation = try #require(cancelled.frames(request: "c1").first?["conversation_id"]?.stringValue)

            // A client that vanishes mid-stream (killed, no close frame) stops its turn too.
            let vanishing = try TestClient.start(.python, host.url, .object(["steps": .array([
                Step.chat("d1", "long"), Step.recvUntil(["request_id": "d1", "status": "chunk"], count: 3), Step.sleep(30)])]))
            try await Task.sleep(for: .seconds(1))
            await vanishing.killNow()
            try await Task.sleep(for: .milliseconds(500))

            let check = try await TestClient.run(host.url, [
                Step.action("get_conversation", "g", ["conversation_id": .string(conversation)]),
                Step.recvUntil(["request_id": "g", "status": "completed"]),
                Step.action("list_conversations", "l"),
                Step.recvUntil(["request_id": "l", "status": "completed"]),
            ])
            let messages = check.frames(request: "g").last?["result"]?["messages"]?.arrayValue ?? []
            #expect(messages.last?["status"] == "incomplete")
            #expect(messages.last?["content"]?.stringValue?.hasPrefix("w0 w1 w2 ") == true)
            // Both turns stopped: every conversation ends with an incomplete reply far short of 3,000 words.
            let listed = check.frames(request: "l").last?["result"]?["conversations"]?.arrayValue ?? []
            #expect(listed.count == 2)
            for entry in listed {
                let id = try #require(entry["id"]?.stringValue)
                let got = try await TestClient.run(host.url, [
                    Step.action("get_conversation", "x", ["conversation_id": .string(id)]),
                    Step.recvUntil(["request_id": "x", "status": "completed"]),
                ])
                let last = got.frames(request: "x").last?["result"]?["messages"]?.arrayValue?.last
                #expect(last?["status"] == "incomplete")
                #expect((last?["content"]?.stringValue?.split(separator: " ").count ?? 3000) < 1000)
            }
            #expect(host.process.stderr.contains("turn cancelled"))
        }
    }

    @Test func resumeAfterAReconnectAndIdempotentRequestIDs() async throws {
        try await LiveHost.with(model: "mock/text?chunks=40&rate=80") { host in
            // A second connection follows a turn that is still streaming, then sees it finish.
            let streaming = try TestClient.start(.python, host.url, .object(["steps": .array([
                Step.chat("r1", "tell me"), Step.recvUntil(["request_id": "r1", "status": "completed"], timeout: 20)])]))
            try await Task.sleep(for: .milliseconds(300))
            let follower = try await TestClient.run(host.url, [
                Step.action("resume", "r1", ["after_seq": 3]),
                Step.recvUntil(["request_id": "r1", "status": "completed"], timeout: 20),
            ], kind: .node)
            let original = try await streaming.finish()
            let originalFrames = original.frames(request: "r1").filter { $0["status"] != "complete" }
            let resumedFrames = follower.frames(request: "r1").filter { $0["status"] != "complete" }
            #expect(resumedFrames.first?["seq"] == .int(4))
            #expect(resumedFrames == Array(originalFrames.drop { ($0["seq"]?.intValue ?? 0) <= 3 }))

            // The same request id again, after the turn ended: the same frames, no second model call.
            let again = try await TestClient.run(host.url, [
                Step.chat("r1", "tell me"),
                Step.recvUntil(["request_id": "r1", "status": "completed"], timeout: 20),
            ])
            #expect(again.frames(request: "r1").filter { $0["status"] != "complete" } == originalFrames)
            #expect(try await host.mock.requests().count == 1)
        }
    }

    @Test func twoClientsWithTheirOwnKeysNeverSeeEachOthersHistory() async throws {
        try await LiveHost.with(model: "mock/echo", apiKeys: ["key-alice-1234567890": "alice", "key-bob-0987654321": "bob"]) { host in
            let alice: JSONValue = .object(["headers": .object(["Authorization": "Bearer key-alice-1234567890"])])
            let bob: JSONValue = .object(["headers": .object(["Authorization": "Bearer key-bob-0987654321"])])
            let mine = try await TestClient.run(host.url, [
                Step.chat("a1", "my secret"), Step.recvUntil(["request_id": "a1", "status": "completed"], timeout: 20),
            ], connect: alice)
            let conversation = try #require(mine.frames(request: "a1").first?["conversation_id"]?.stringValue)

            let intruder = try await TestClient.run(host.url, [
                Step.action("list_conversations", "l"), Step.recvUntil(["request_id": "l"], count: 1),
                Step.action("get_conversation", "g", ["conversation_id": .string(conversation)]), Step.recvUntil(["request_id": "g", "status": "error"]),
                Step.chat("b1", "let me in", ["conversation_id": .string(conversation)]), Step.recvUntil(["request_id": "b1", "status": "error"], timeout: 20),
            ], connect: bob)
            let sameID = try await TestClient.run(host.url, [
                Step.chat("a1", "replay alice's turn?"), Step.recvUntil(["request_id": "a1", "status": "completed"], timeout: 20),
            ], connect: bob)
            #expect(!mine.timedOut && !intruder.timedOut, "\(intruder.events.map { ($0["frame"]?["request_id"]?.stringValue ?? "-") + "/" + ($0["frame"]?["status"]?.stringValue ?? $0.jsonText) })")
            #expect(intruder.frames(request: "l").last?["result"]?["conversations"]?.arrayValue?.isEmpty == true)
            #expect(intruder.frames(request: "g").last?["error"]?["reason"] == "not_found")
            #expect(intruder.statuses("b1") == ["processing", "error"])  // refused before the model was called: nothing streamed
            #expect(intruder.frames(request: "b1").last?["error"]?["reason"] == "not_found")
            // The same request id under another owner is another request: bob's own turn, not alice's.
            let bobsText = sameID.frames(request: "a1").compactMap { $0["chunk"] }.filter { $0["type"] == "text" }.compactMap { $0["data"]?.stringValue }.joined()
            #expect(bobsText == "echo: replay alice's turn? messages=2 system=Be brief.")

            #expect(try await host.mock.requests().count == 2)  // alice's turn and bob's own, nothing for the intrusion
            let anonymous = try await TestClient.run(host.url, [Step.chat("x", "hi")])
            #expect(anonymous.refusedStatus == 401)
        }
    }
}
