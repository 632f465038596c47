import Host
import Testing

/// The `type` dialect of the seed clients (user_message, clear_history; assistant_message,
/// tool_execution, session_cleared, error), with the current conversation it implies.
@Suite struct TypeDialectTests {
    @Test func userMessage_streamsChunks_thenOneAssistantMessageWithThinkingAndUsage() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.type("user_message", ["message": "hello", "request_id": "t1"]),
                Step.recvUntil(["type": "assistant_message"]),
            ])
            #expect(transcript.statuses("t1", key: "type")
                    == ["turn_started", "assistant_chunk", "assistant_chunk", "assistant_chunk", "usage", "assistant_message"])
            #expect(transcript.frames.first == ["type": "turn_started", "request_id": "t1", "seq": 1, "conversation_id": "conv-1",
                                                "model": "fake-model", "provider": "fake"])
            #expect(transcript.frames[1] == ["type": "assistant_chunk", "request_id": "t1", "seq": 2,
                                             "chunk": ["type": "reasoning", "data": "Let me think."]])
            let message = try #require(transcript.frames.last)
            #expect(message == ["type": "assistant_message", "request_id": "t1", "seq": 7, "conversation_id": "conv-1",
                                "message": "Hello \"you\"\n", "thinking": "Let me think.", "model": "fake-model", "provider": "fake",
                                "finish_reason": "stop", "tool_hops": 0,
                                "usage": ["prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, "cached_tokens": 0,
                                          "cost": 0.0001, "model": "fake-model"]])
        }
    }

    @Test func toolCalls_showAsToolExecutionFrames_withArgumentsDurationAndPreview() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.type("user_message", ["message": "tool", "stream": false]),
                Step.recvUntil(["type": "assistant_message"]),
            ])
            let tools = transcript.frames.filter { $0["type"] == "tool_execution" }
            let requestId = try #require(tools.first?["request_id"]?.stringValue)
            #expect(requestId.hasPrefix("ws-"))  // generated: the client gave none
            #expect(tools == [
                ["type": "tool_execution", "request_id": .string(requestId), "seq": 2, "tool_call_id": "call-1", "tool_name": "calculator",
                 "status": "executing", "arguments": ["expression": "2+2"], "hop": 1],
                ["type": "tool_execution", "request_id": .string(requestId), "seq": 3, "tool_call_id": "call-1", "tool_name": "calculator",
                 "status": "completed", "duration_ms": 12, "result_preview": "4", "is_error": false, "hop": 1],
            ])
            #expect(!transcript.frames.contains { $0["type"] == "assistant_chunk" })  // "stream": false
            #expect(transcript.frames.last?["message"] == "The answer is 4.")
        }
    }

    @Test func clearHistory_answersSessionCleared_andTheNextMessageStartsANewConversation() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.type("user_message", ["message": "hello"]), Step.recvUntil(["type": "assistant_message"]),
                Step.type("user_message", ["message": "hello"]), Step.recvUntil(["type": "assistant_message"]),
                Step.type("clear_history"), Step.recvUntil(["type": "session_cleared"]),
                Step.type("user_message", ["message": "hello"]), Step.recvUntil(["type": "assistant_message"]),
            ])
            #expect(transcript.frames.contains(["type": "session_cleared"]))
            #expect(server.host.submissions(op: "chat").map { $0.request["conversation_id"] } == [nil, "conv-1", nil])
            #expect(transcript.frames.filter { $0["type"] == "assistant_message" }.map { $0["conversation_id"] } == ["conv-1", "conv-1", "conv-2"])
        }
    }

    @Test func errors_useErrorCodeAndErrorMessage() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.type("user_message", ["message": "fail", "request_id": "f"]), Step.recvUntil(["type": "error"]),
                Step.type("user_message", ["messag": "typo"]), Step.recvUntil(["type": "error"]),
                Step.type("save_session", ["name": "mine"]), Step.recvUntil(["type": "result"]),
            ])
            let errors = transcript.frames.filter { $0["type"] == "error" }
            #expect(errors.first == ["type": "error", "request_id": "f", "seq": 2, "error_code": "PROVIDER_ERROR",
                                     "error_message": "the provider failed: rate limited",
                                     "details": ["code": "rate_limited", "http_status": 429]])
            #expect(errors.last == ["type": "error", "error_code": "INVALID_REQUEST", "error_message": "Parameter validation failed",
                                    "details": ["validation_errors": [["field": "message", "message": "field required", "type": "missing"]]]])
            // save_session saves the current conversation (the failed turn's).
            #expect(server.host.submissions(op: "save_conversation").first?.request == ["owner": "local", "conversation_id": "conv-1", "name": "mine"])
            #expect(transcript.frames.last?["op"] == "save_conversation")
        }
    }

    @Test func cancelWithoutRequestId_stopsEveryRunningTurn_andResumeReplaysInThisDialect() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.type("user_message", ["message": "hang", "request_id": "h1", "conversation_id": "new-1"]), Step.recv(1),
                Step.type("user_message", ["message": "hang", "request_id": "h2", "conversation_id": "new-2"]), Step.recv(1),
                Step.type("cancel"), Step.recvUntil(["type": "cancelled"], count: 2),
                Step.type("user_message", ["message": "hello", "request_id": "t"]), Step.recvUntil(["type": "assistant_message"]),
                Step.type("resume", ["request_id": "t", "after_seq": 4]), Step.recvUntil(["type": "assistant_message"]),
            ])
            #expect(Set(transcript.frames.filter { $0["type"] == "cancelled" }.compactMap { $0["request_id"]?.stringValue }) == ["h1", "h2"])
            #expect(server.host.cancellations.count == 2)
            let replay = transcript.frames(request: "t").suffix(2)
            #expect(replay.map { $0["type"] } == ["usage", "assistant_message"])
            #expect(replay.last?["message"] == "Hello \"you\"\n")  // the whole reply, from the host's result
            #expect(replay.last?["seq"] == 7)
        }
    }
}
