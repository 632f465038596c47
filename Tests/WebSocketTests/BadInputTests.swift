import Host
import Testing

/// Each kind of bad input gets a structured error frame (the connection stays) or the RFC 6455
/// close code, and nothing else is affected.
@Suite struct BadInputTests {
    /// A request that must still work after the bad input.
    static let probe = Step.action("list_conversations", "probe")

    @Test func nonJSONFrame_isAnswered400_andTheConnectionStays() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.sendText("hello?"), Step.recv(1), Self.probe, Step.recvUntil(["request_id": "probe"]),
            ])
            #expect(transcript.frames.first == ["request_id": .null, "status": "error",
                                                "error": ["code": 400, "reason": "invalid_json",
                                                          "message": "the message is not valid JSON: unexpected character where a value was expected at byte 0"]])
            #expect(transcript.frames.last?["status"] == "completed")
        }
    }

    @Test func unknownAction_isAnswered400WithTheSupportedOnes() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.action("fly", "u1"), Step.recv(1), Self.probe, Step.recvUntil(["request_id": "probe"]),
            ])
            let error = try #require(transcript.frames.first?["error"])
            #expect(error["code"] == 400)
            #expect(error["reason"] == "unknown_action")
            #expect(error["message"]?.stringValue?.hasPrefix("unknown action 'fly' (supported: chat, cancel, resume, clear_session,") == true)
            #expect(transcript.frames.first?["request_id"] == "u1")
            #expect(transcript.frames.last?["status"] == "completed")
        }
    }

    @Test func missingAndWronglyTypedFields_listEveryProblem_inTheValidationErrorsShape() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.send(["action": "chat", "request_id": "v1", "payload": ["streaming": "yes", "model": 4]]), Step.recv(1),
                Step.send(["action": "chat", "request_id": 7, "payload": ["text": "hi"]]), Step.recv(1),
                Step.send(["action": "list_conversations", "request_id": "v3", "payload": ["limit": 0]]), Step.recv(1),
                Step.send(["action": "chat", "request_id": "v4", "payload": "hi"]), Step.recv(1),
                Step.send(["request_id": "v5"]), Step.recv(1),
                Self.probe, Step.recvUntil(["request_id": "probe"]),
            ])
            let frames = transcript.frames
            #expect(frames[0] == ["request_id": "v1", "status": "error", "error": [
                "code": 400, "reason": "invalid_request", "message": "Parameter validation failed",
                "data": ["validation_errors": [
                    ["field": "payload.text", "message": "field required", "type": "missing"],
                    ["field": "payload.model", "message": "must be a string", "type": "type_error"],
                    ["field": "payload.streaming", "message": "must be a boolean", "type": "type_error"],
                ]]]])
            #expect(frames[1]["request_id"] == .null)
            #expect(frames[1]["error"]?["data"]?["validation_errors"] == [["field": "request_id", "message": "must be a string", "type": "type_error"]])
            #expect(frames[2]["error"]?["data"]?["validation_errors"]
                    == [["field": "payload.limit", "message": "must be between 1 and 500", "type": "value_error"]])
            #expect(frames[3]["error"]?["data"]?["validation_errors"] == [["field": "payload", "message": "must be an object", "type": "type_error"]])
            #expect(frames[4]["error"]?["data"]?["validation_errors"] == [["field": "action", "message": "field required", "type": "missing"]])
            #expect(frames.last?["status"] == "completed")
            #expect(server.host.submissions(op: "chat").isEmpty)
        }
    }

    @Test func oversizedMessage_closesWith1009() async throws {
        try await WebSocketServer.with(["max_message_size": 1024]) { server in
            let transcript = try await TestClient.run(server.url, [
                Step.chat("ok", String(repeating: "a", count: 900)), Step.recvUntil(["status": "completed"]),
                Step.chat("big", String(repeating: "a", count: 2000)), Step.waitClosed(),
            ])
            #expect(transcript.closed?.code == 1009)
            #expect(transcript.closed?.reason == "message too big (the limit is 1024 bytes)")
            #expect(server.host.submissions(op: "chat").count == 1)
        }
    }

    @Test func binaryFrame_closesWith1003() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [.object(["send_binary": "7b7d"]), Step.waitClosed()])
            #expect(transcript.closed?.code == 1003)
        }
    }

    @Test func invalidUTF8_closesWith1007() async throws {
        try await WebSocketServer.with { server in
            // {"action":"chat","request_id":"x","payload":{"text":"\xff"}}
            let bytes = Array(#"{"action":"chat","request_id":"x","payload":{"text":""#.utf8) + [0xFF] + Array(#""}}"#.utf8)
            let hex = bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            let transcript = try await TestClient.run(server.url, [.object(["send_text_bytes": .string(hex)]), Step.waitClosed()])
            #expect(transcript.closed?.code == 1007)
            #expect(server.host.submissions.isEmpty)
        }
    }

    @Test func floodOfRequests_isBoundedPerConnection_with429_andTheConnectionStays() async throws {
        try await WebSocketServer.with(["max_requests_per_connection": 4]) { server in
            let transcript = try await TestClient.run(server.url, [
                .object(["send_many": ["action": "chat", "request_id": "f", "payload": ["text": "hang", "conversation_id": "new-1"]], "count": 30]),
                Step.recv(30),  // 26 errors and 4 processing, in any order
                Step.send(["action": "cancel", "request_id": "f-0"]), Step.recvUntil(["status": "cancelled"]),
                Step.chat("after", "hello", ["conversation_id": "new-2"]), Step.recvUntil(["request_id": "after", "status": "completed"]),
            ])
            let errors = transcript.frames.filter { $0["status"] == "error" }
            #expect(errors.count == 26)
            #expect(errors.allSatisfy { $0["error"]?["code"] == 429 && $0["error"]?["reason"] == "too_many_requests" })
            #expect(server.host.submissions(op: "chat").count == 5)
            #expect(transcript.frames.last?["status"] == "completed")
        }
    }
}
