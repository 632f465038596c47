import Host
import Testing

/// The same protocol through a second independent client: node's `ws` (Debian's node-ws).
@Suite struct NodeClientTests {
    @Test func actionDialect_chatResumeAndErrors_throughNodeWS() async throws {
        try await WebSocketServer.with(["api_keys": [["key": "node-key-0123456789", "owner": "nodey"]]]) { server in
            let refused = try await TestClient.run(server.url, [], kind: .node)
            #expect(refused.refusedStatus == 401)
            let auth: JSONValue = ["headers": ["Authorization": "Bearer node-key-0123456789"]]
            let transcript = try await TestClient.run(server.url, [
                Step.chat("n1", "tool"), Step.recvUntil(["status": "complete"]),
                Step.send(["action": "resume", "request_id": "n1", "payload": ["after_seq": 5]]), Step.recvUntil(["status": "complete"]),
                Step.sendText("{"), Step.recv(1),
            ], kind: .node, connect: auth)
            let frames = transcript.frames(request: "n1")
            #expect(frames.map { $0["status"]?.stringValue ?? "" } == ["processing", "chunk", "chunk", "chunk", "chunk", "chunk", "completed", "complete",
                                                                      "chunk", "completed", "complete"])
            #expect(frames[1]["chunk"]?["type"] == "tool_execution")
            #expect(frames.suffix(3).map { $0["seq"] } == [6, 7, 7])
            #expect(transcript.frames.last?["error"]?["reason"] == "invalid_json")
            #expect(server.host.submissions(op: "chat").first?.request["owner"] == "nodey")
        }
    }

    @Test func typeDialect_throughNodeWS() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.type("user_message", ["message": "hello"]), Step.recvUntil(["type": "assistant_message"]),
                Step.type("clear_history"), Step.recvUntil(["type": "session_cleared"]),
            ], kind: .node)
            #expect(transcript.frames.first { $0["type"] == "assistant_message" }?["message"] == "Hello \"you\"\n")
            #expect(transcript.frames.last == ["type": "session_cleared"])
        }
    }
}
