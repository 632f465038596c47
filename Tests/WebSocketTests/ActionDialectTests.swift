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
}
