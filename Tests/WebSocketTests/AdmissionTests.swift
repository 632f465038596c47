import Foundation
import FoundationNetworking
import Host
import Testing

/// Who may upgrade: API keys (401), origins (403), the endpoint path (404), capacity (503).
@Suite struct AdmissionTests {
    static let keys: [String: JSONValue] = ["api_keys": [["key": "alice-key-0123456789", "owner": "alice"],
                                                         ["key": "bob-key-9876543210", "owner": "bob"]]]

    @Test func apiKeys_missingOrWrongKeyIsRefused401_bearerAndTokenIdentifyTheOwner() async throws {
        try await WebSocketServer.with(Self.keys) { server in
            let missing = try await TestClient.run(server.url, [])
            let wrong = try await TestClient.run(server.url, [], connect: ["headers": ["Authorization": "Bearer alice-key-0123456780"]])
            let wrongToken = try await TestClient.run(server.url + "?token=nope", [])
            #expect(missing.refusedStatus == 401)
            #expect(wrong.refusedStatus == 401)
            #expect(wrongToken.refusedStatus == 401)

            let alice = try await TestClient.run(server.url, [Step.chat("a", "hello"), Step.recvUntil(["status": "completed"])],
                                                 connect: ["headers": ["Authorization": "Bearer alice-key-0123456789"]])
            let bob = try await TestClient.run(server.url + "?token=bob-key-9876543210",
                                               [Step.chat("b", "hello"), Step.recvUntil(["status": "completed"])])
            #expect(alice.frames.last?["status"] == "completed")
            #expect(bob.frames.last?["status"] == "completed")
            #expect(server.host.submissions(op: "chat").map { $0.request["owner"] } == ["alice", "bob"])
            #expect(server.state["counters"]?["refused"]?["401"] == 3)
        }
    }

    @Test func newConnection_neverLandsInAnotherOwnersConversation() async throws {
        try await WebSocketServer.with(Self.keys) { server in
            let alice = try await TestClient.run(server.url + "?token=alice-key-0123456789",
                                                 [Step.chat("a", "hello"), Step.recvUntil(["status": "completed"])])
            let conversation = try #require(alice.frames.first?["conversation_id"])
            let bob = try await TestClient.run(server.url + "?token=bob-key-9876543210", [
                Step.chat("b1", "hello"), Step.recvUntil(["status": "completed"]),  // a new connection: a new conversation
                Step.chat("b2", "hello", ["conversation_id": conversation]), Step.recvUntil(["status": "error"]),
                Step.action("get_conversation", "b3", ["conversation_id": conversation]), Step.recvUntil(["status": "error"]),
            ])
            #expect(bob.frames.first?["conversation_id"] != conversation)
            #expect(bob.frames(request: "b2").last?["error"]?["code"] == 404)
            #expect(bob.frames(request: "b3").last?["error"]?["code"] == 404)
        }
    }

    @Test func withoutKeys_everyClientIsTheOwnerLocal() async throws {
        try await WebSocketServer.with { server in
            _ = try await TestClient.run(server.url, [Step.chat("a", "hello"), Step.recvUntil(["status": "completed"])],
                                         connect: ["headers": ["Authorization": "Bearer anything"]])
            #expect(server.host.submissions(op: "chat").first?.request["owner"] == "local")
        }
    }

    @Test func origins_notListedAreRefused403_listedOrAbsentAreAccepted() async throws {
        try await WebSocketServer.with(["allow_origins": ["https://chat.example"]]) { server in
            let refused = try await TestClient.run(server.url, [], connect: ["origin": "https://evil.example"])
            let allowed = try await TestClient.run(server.url, [Self.probe, Step.recv(1)], connect: ["origin": "https://chat.example"])
            let none = try await TestClient.run(server.url, [Self.probe, Step.recv(1)])
            #expect(refused.refusedStatus == 403)
            #expect(allowed.frames.first?["status"] == "completed")
            #expect(none.frames.first?["status"] == "completed")
        }
    }

    @Test func maxConnections_refusesTheNextUpgradeWith503() async throws {
        try await WebSocketServer.with(["max_connections": 3]) { server in
            let transcript = try await TestClient.run(server.url, [.object(["open_extra": 3]), Self.probe, Step.recv(1)])
            #expect(transcript.events.first?["extra"] == [["ok": true], ["ok": true], ["status": 503]])
            #expect(transcript.frames.first?["status"] == "completed")  // the open ones still work
            #expect(server.state["counters"]?["refused"]?["503"] == 1)
        }
    }

    @Test func otherPaths_areRefused404_andPlainHTTPOnTheEndpointGets426() async throws {
        try await WebSocketServer.with(["endpoint": "/chat"]) { server in
            let wrongPath = try await TestClient.run("ws://127.0.0.1:\(server.port)/ws/chat", [])
            #expect(wrongPath.refusedStatus == 404)
            let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(server.port)/chat")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 426)
            let good = try await TestClient.run(server.url, [Self.probe, Step.recv(1)])
            #expect(good.frames.first?["status"] == "completed")
        }
    }

    static let probe = Step.action("list_conversations", "probe")
}
