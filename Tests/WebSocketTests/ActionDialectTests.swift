import Host
import Testing

/// The `action` / `request_id` / `payload` dialect the Python backends' clients speak, through
/// the Python `websockets` client.
@Suite struct ActionDialectTests {
    @Test func chat_streamsProcessingChunksAndCompleted_withSequenceNumbers() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("r1", "hello", ["model": "m-1", "streaming": true]),
                Step.recvUntil(["status": "complete"]),
            ])
            let frames = transcript.frames(request: "r1")
            #expect(transcript.statuses("r1") == ["processing", "chunk", "chunk", "chunk", "chunk", "chunk", "completed", "complete"])
            #expect(frames.first == .object(["request_id": "r1", "seq": 1, "status": "processing", "conversation_id": "conv-1",
                                             "model": "fake-model", "provider": "fake"]))
            #expect(frames[1] == .object(["request_id": "r1", "seq": 2, "status": "chunk",
                                          "chunk": .object(["type": "reasoning", "data": "Let me think."])]))
            #expect(frames[2]["chunk"] == .object(["type": "text", "data": "Hel"]))
            #expect(frames[3]["chunk"] == .object(["type": "text", "data": "lo \"you\"\n"]))
            #expect(frames[4]["chunk"]?["type"] == "usage")
            #expect(frames[4]["chunk"]?["data"]?["cost"] == .double(0.0001))
            #expect(frames[5]["chunk"] == .object(["type": "finish", "data": "stop"]))
            let completed = frames[6]
            #expect(completed["result"]?["message"] == "Hello \"you\"\n")
            #expect(completed["metadata"] == .object(["tokens": 15, "conversation_id": "conv-1"]))
            #expect(frames.map { $0["seq"]?.intValue ?? 0 } == [1, 2, 3, 4, 5, 6, 7, 7])
            // What the host was asked: the authenticated owner and the client's fields.
            let request = try #require(server.host.submissions(op: "chat").first).request
            #expect(request == .object(["owner": "local", "request_id": "r1", "text": "hello", "model": "m-1", "stream": true]))
        }
    }

    @Test func cancel_endsTheTurnWithCancelled_andTheHostSeesTheCancel() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("r1", "hang"), Step.recv(1),
                Step.send(["action": "cancel", "request_id": "r1"]),
                Step.recvUntil(["status": "cancelled"]),
            ])
            #expect(transcript.frames(request: "r1").last == .object(["request_id": "r1", "seq": 2, "status": "cancelled"]))
            let chat = try #require(server.host.submissions(op: "chat").first)
            #expect(server.host.cancellations.map(\.handle) == [chat.handle])
        }
    }

    @Test func hostErrors_becomeErrorFrames_withHTTPStyleCodesAndTheHostsReason() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("f", "fail"), Step.recvUntil(["status": "error"]),
                Step.chat("b", "busy"), Step.recvUntil(["status": "error"]),
                Step.chat("n", "hi", ["conversation_id": "nobodys"]), Step.recvUntil(["status": "error"]),
            ])
            #expect(transcript.frames(request: "f").last == .object([
                "request_id": "f", "seq": 2, "status": "error",
                "error": ["code": 502, "reason": "provider_error", "message": "the provider failed: rate limited",
                          "data": ["code": "rate_limited", "http_status": 429]]]))
            #expect(transcript.frames(request: "b").last?["error"]?["code"] == 409)
            #expect(transcript.frames(request: "b").last?["error"]?["reason"] == "conversation_busy")
            #expect(transcript.frames(request: "n").last?["error"]?["code"] == 404)
        }
    }

    @Test func conversationAndCatalogOps_answerWithCompletedResults() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("c1", "hello"), Step.recvUntil(["status": "completed"]),
                Step.action("list_conversations", "l", ["limit": 10]), Step.recvUntil(["request_id": "l"]),
                Step.action("get_conversation", "g", ["conversation_id": "conv-1"]), Step.recvUntil(["request_id": "g"]),
                Step.action("set_title", "t", ["conversation_id": "conv-1", "title": "Greeting"]), Step.recvUntil(["request_id": "t"]),
                Step.action("save_conversation", "s", ["conversation_id": "conv-1", "name": "keep"]), Step.recvUntil(["request_id": "s"]),
                Step.action("unsave_conversation", "u", ["conversation_id": "conv-1"]), Step.recvUntil(["request_id": "u"]),
                Step.action("list_catalog", "k"), Step.recvUntil(["request_id": "k"]),
                Step.action("apply_prompt", "p", ["name": "summarize", "arguments": ["topic": "x"]]), Step.recvUntil(["request_id": "p"]),
                Step.action("read_resource", "rr", ["uri": "file:///readme"]), Step.recvUntil(["request_id": "rr"]),
                Step.action("delete_conversation", "d", ["conversation_id": "conv-1"]), Step.recvUntil(["request_id": "d"]),
                Step.action("get_conversation", "g2", ["conversation_id": "conv-1"]), Step.recvUntil(["request_id": "g2"]),
            ])
            #expect(transcript.frames(request: "l") == [["request_id": "l", "status": "completed",
                                                          "result": ["conversations": [["id": "conv-1"]], "next_cursor": .null]]])
            #expect(transcript.frames(request: "g").first?["result"]?["conversation"]?["id"] == "conv-1")
            #expect(transcript.frames(request: "t").first?["result"] == ["title": "Greeting"])
            #expect(transcript.frames(request: "s").first?["result"] == ["saved_name": "keep"])
            #expect(transcript.frames(request: "u").first?["status"] == "completed")
            #expect(transcript.frames(request: "k").first?["result"]?["prompts"]?.items.first?["name"] == "summarize")
            #expect(transcript.frames(request: "p").first?["result"]?["conversation_id"] == "conv-1")  // the current conversation
            #expect(transcript.frames(request: "rr").first?["result"]?["contents"]?.items.first?["text"] == "hello")
            #expect(transcript.frames(request: "d").first?["result"] == ["deleted": true])
            #expect(transcript.frames(request: "g2").first?["error"]?["code"] == 404)
            #expect(server.host.submissions(op: "list_conversations").first?.request == ["owner": "local", "limit": 10])
            #expect(server.host.submissions(op: "apply_prompt").first?.request
                    == ["owner": "local", "name": "summarize", "arguments": ["topic": "x"], "conversation_id": "conv-1"])
        }
    }

    @Test func chatWithoutConversationId_continuesTheConnectionsConversation_untilClearSession() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("a", "hello"), Step.recvUntil(["request_id": "a", "status": "completed"]),
                Step.chat("b", "hello"), Step.recvUntil(["request_id": "b", "status": "completed"]),
                Step.action("clear_session", "x"), Step.recvUntil(["request_id": "x"]),
                Step.chat("c", "hello"), Step.recvUntil(["request_id": "c", "status": "completed"]),
            ])
            #expect(transcript.frames(request: "x") == [["request_id": "x", "status": "completed", "result": ["cleared": true]]])
            let conversations = server.host.submissions(op: "chat").map { $0.request["conversation_id"] }
            #expect(conversations == [nil, "conv-1", nil])
            #expect(transcript.frames(request: "c").first?["conversation_id"] == "conv-2")
        }
    }

    @Test func sameRequestIdWhileRunning_isRefused_andLegacyCompleteCanBeTurnedOff() async throws {
        try await WebSocketServer.with(["legacy_complete": false]) { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("r", "stream 5 40"), Step.recv(1),
                Step.chat("r", "stream 5 40"), Step.recvUntil(["status": "error"]),
                Step.recvUntil(["status": "completed"]),
                Step.sleep(0.2),
            ])
            #expect(transcript.frames.contains { $0["error"]?["reason"] == "duplicate_request" && $0["error"]?["code"] == 409 })
            #expect(!transcript.frames.contains { $0["status"] == "complete" })
            #expect(server.host.submissions(op: "chat").count == 1)
        }
    }

    @Test func aRequestTheHostRefuses_isAnsweredWithAnErrorFrame_andTheConnectionGoesOn() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("r1", "refuse"), Step.recv(1),
                Step.chat("r2", "hello"), Step.recvUntil(["request_id": "r2", "status": "completed"]),
            ])
            #expect(transcript.frames.first == ["request_id": "r1", "status": "error",
                                                "error": ["code": 503, "reason": "unavailable", "message": "the host is shutting down"]])
            // The refused chat did not leave the connection's conversation half-started.
            #expect(transcript.frames(request: "r2").first?["status"] == "processing")
        }
    }

    @Test func aTurnInANamedConversation_makesItTheCurrentOne() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("a", "hello"), Step.recvUntil(["request_id": "a", "status": "completed"]),
                Step.action("clear_session", "x"), Step.recv(1),
                Step.chat("b", "hello", ["conversation_id": "conv-1"]), Step.recvUntil(["request_id": "b", "status": "completed"]),
                Step.chat("c", "hello"), Step.recvUntil(["request_id": "c", "status": "completed"]),
            ])
            #expect(server.host.submissions(op: "chat").map { $0.request["conversation_id"] } == [nil, "conv-1", "conv-1"])
            #expect(transcript.frames(request: "c").first?["conversation_id"] == "conv-1")
        }
    }
}
