import Testing
import WebSocketProtocol

/// The config block and the upgrade policy, without sockets.
@Suite struct ConfigAndPolicyTests {
    @Test func defaults_matchTheDocumentedOnes() throws {
        let config = try WebSocketConfig(json: "{}")
        #expect(config.host == "127.0.0.1" && config.port == 8000 && config.endpoint == "/ws/chat")
        #expect(config.maxConnections == 10_000 && config.maxRequestsPerConnection == 16)
        #expect(config.pingInterval == 20 && config.pingTimeout == 10 && config.allowedOrigins == nil)
        #expect(config.sendQueue == .init(maxBytes: 1 << 20, maxFrames: 8192) && config.legacyComplete)
    }

    @Test func settings_areReadAndChecked() throws {
        let config = try WebSocketConfig(json: #"{"host":"0.0.0.0","port":0,"endpoint":"/chat","ping_interval":0.5,"allowed_origins":["HTTPS://A.example"],"send_queue":{"max_bytes":4096},"api_keys":[{"key":"k","owner":"o"}]}"#)
        #expect(config.port == 0 && config.endpoint == "/chat" && config.pingInterval == 1)
        #expect(config.allowedOrigins == ["https://a.example"])
        #expect(config.sendQueue.maxBytes == 4096 && config.apiKeys == [.init(key: "k", owner: "o")])
        let failures = [
            (#"{"port":70000}"#, "port must be an integer from 0 to 65535"),
            (#"{"endpoint":"chat"}"#, "endpoint must be a path starting with '/', found \"chat\""),
            (#"{"ping_timeout":0}"#, "ping_timeout must be greater than 0"),
            (#"{"send_queue":{"max":1}}"#, "unknown key 'send_queue.max' (expected max_bytes, max_frames, max_total_bytes)"),
            (#"{"api_keys":[{"key":"k","owner":"a"},{"key":"k","owner":"b"}]}"#, "api_keys[1].key is the same key as an earlier entry"),
            (#"{"allow_origins":["*"],"allowed_origins":["*"]}"#, "give either allow_origins or allowed_origins, not both"),
        ]
        for (json, message) in failures {
            do {
                _ = try WebSocketConfig(json: json)
                Issue.record("\(json) must be refused")
            } catch {
                #expect(error.code == .invalidConfig)
                #expect(error.message == message)
            }
        }
    }

    @Test func policy_checksPathOriginKeyAndCapacity_inThatOrder() throws {
        let policy = HandshakePolicy(config: try WebSocketConfig(json: #"{"allowed_origins":["https://ok.example"],"max_connections":2,"api_keys":[{"key":"secret","owner":"alice"},{"key":"other","owner":"bob"}]}"#))
        #expect(policy.decide(path: "/x", origin: nil, authorization: nil, token: nil, connections: 0).status == 404)
        #expect(policy.decide(path: "/ws/chat", origin: "https://evil.example", authorization: "Bearer secret", token: nil, connections: 0).status == 403)
        #expect(policy.decide(path: "/ws/chat", origin: nil, authorization: "Bearer secre", token: nil, connections: 0).status == 401)
        #expect(policy.decide(path: "/ws/chat", origin: nil, authorization: "Basic secret", token: nil, connections: 0).status == 401)
        #expect(policy.decide(path: "/ws/chat", origin: nil, authorization: nil, token: "secret", connections: 2).status == 503)
        #expect(policy.decide(path: "/ws/chat", origin: "https://OK.example", authorization: "bearer  other ", token: nil, connections: 1) == .accept(keyIndex: 1))
        #expect(policy.owner(keyIndex: 1) == "bob")
        let open = HandshakePolicy(config: WebSocketConfig())
        #expect(open.decide(path: "/ws/chat", origin: "https://any.example", authorization: nil, token: nil, connections: 0) == .accept(keyIndex: nil))
        #expect(open.owner(keyIndex: nil) == "local")
    }
}

extension HandshakePolicy.Decision {
    var status: Int? { if case .refuse(let status, _) = self { return status } else { return nil } }
}
