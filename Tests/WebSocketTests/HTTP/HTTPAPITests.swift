import Foundation
import Host
import PluginTestKit
import Testing

/// The HTTP API end to end: the real host (SQLite store, the C echo provider) and the real
/// `curl`, on the WebSocket transport's port.
@Suite(.serialized) struct HTTPAPITests {
    @Test func sessionsCanBeCreatedListedMessagedStreamedReadAndDeleted() async throws {
        try await HTTPHost.with() { host in
            let created = try await host.post("/sessions", #"{"metadata": {"topic": "tests"}, "memory_limit": 5}"#, ["-H", "X-Request-ID: trace-42"])
            #expect(created.status == 201)
            #expect(created.headers["x-request-id"] == "trace-42")
            let id = try #require(created.json["session_id"]?.stringValue)
            #expect(created.json["metadata"] == .object(["topic": .string("tests")]))
            #expect(created.json["memory_limit"] == .int(5))

            let listed = try await host.curl("/sessions")
            #expect(listed.status == 200)
            #expect(listed.json["sessions"]?.arrayValue?.compactMap { $0["session_id"]?.stringValue } == [id])
            // A POST with an empty body creates exactly one session (lws reports it twice: as a
            // request and as a completed body).
            #expect(try await host.post("/sessions", "").status == 201)
            #expect(try await host.curl("/sessions").json["sessions"]?.arrayValue?.count == 2)
            #expect(listed.headers["x-request-id"]?.hasPrefix("http-") == true)  // made up when the client sent none

            let reply = try await host.post("/sessions/\(id)/messages", #"{"content": "hello there", "role": "user", "options": {"temperature": 0.2}}"#)
            #expect(reply.status == 200)
            #expect(reply.json["session_id"] == .string(id))
            #expect(reply.json["message"]?["role"] == "assistant")
            #expect(reply.json["message"]?["content"]?.stringValue?.contains("hello there") == true)
            #expect(reply.json["usage"]?["total_tokens"] != nil)

            let streamed = try await host.post("/sessions/\(id)/messages", #"{"content": "stream this"}"#, ["-N", "-H", "Accept: text/event-stream"])
            #expect(streamed.status == 200)
            #expect(streamed.headers["content-type"] == "text/event-stream")
            let events = streamed.events
            #expect(events.first?.name == "processing")
            #expect(events.last?.name == "completed")
            #expect(events.dropFirst().dropLast().allSatisfy { $0.name == "chunk" && $0.data["status"] == "chunk" })
            let seqs = events.compactMap { $0.data["seq"]?.intValue }
            #expect(seqs == Array(1...Int64(events.count)))
            let text = events.compactMap { $0.data["chunk"] }.filter { $0["type"] == "text" }.compactMap { $0["data"]?.stringValue }.joined()
            #expect(events.last?.data["result"]?["message"]?["content"]?.stringValue == text)

            let read = try await host.curl("/sessions/\(id)")
            #expect(read.status == 200)
            #expect(read.json["messages"]?.arrayValue?.compactMap { $0["role"]?.stringValue } == ["user", "assistant", "user", "assistant"])
            #expect(read.json["messages"]?.arrayValue?.last?["content"]?.stringValue == text)
            // Another owner does not see it.
            #expect(try await host.curl("/sessions/\(id)", key: "key-bob").status == 404)
            #expect(try await host.curl("/sessions", key: "key-bob").json["sessions"] == .array([]))

            let deleted = try await host.curl("/sessions/\(id)", ["-X", "DELETE"])
            #expect(deleted.status == 200 && deleted.json["deleted"] == .bool(true))
            #expect(try await host.curl("/sessions/\(id)").status == 404)
        }
    }

    @Test func everyFailureAnswersWithOneErrorShape() async throws {
        try await HTTPHost.with(transport: ", max_body_bytes: 2048") { host in
            let id = try #require(try await host.post("/sessions", "").json["session_id"]?.stringValue)
            let cases: [(CurlResponse, Int, String)] = [
                (try await host.curl("/sessions", key: nil), 401, "unauthorized"),
                (try await host.curl("/sessions", key: "wrong-key"), 401, "unauthorized"),
                (try await host.post("/sessions/\(id)/messages", "{not json"), 400, "invalid_json"),
                (try await host.post("/sessions/\(id)/messages", #"{"message": "hi"}"#), 422, "validation_error"),
                (try await host.post("/sessions/\(id)/messages", #"{"content": "hi", "role": "system"}"#), 422, "validation_error"),
                (try await host.post("/sessions/no-such-session/messages", #"{"content": "hi"}"#), 404, "not_found"),
                (try await host.curl("/sessions/no-such-session"), 404, "not_found"),
                (try await host.curl("/sessions/no-such-session", ["-X", "DELETE"]), 404, "not_found"),
                (try await host.post("/sessions/\(id)/messages", #"{"content": "\#(String(repeating: "x", count: 4000))"}"#), 413, "payload_too_large"),
                (try await host.curl("/nowhere"), 404, "not_found"),
                (try await host.curl("/sessions", ["-X", "PUT"]), 405, "method_not_allowed"),
                (try await host.curl("/admin/bypass", key: nil), 401, "unauthorized"),
                (try await host.curl("/admin/bypass", ["-H", "X-Admin-Token: nope"], key: nil), 403, "forbidden"),
            ]
            for (response, status, code) in cases {
                #expect(response.status == status, "\(response.body)")
                #expect(response.errorCode == code, "\(response.body)")
                #expect(response.json["error"]?["message"]?.stringValue?.isEmpty == false)
                #expect(response.headers["x-request-id"] != nil)
            }
            #expect(cases[3].0.json["error"]?["message"]?.stringValue?.contains("content") == true)
            // The session is still usable after all that.
            #expect(try await host.post("/sessions/\(id)/messages", #"{"content": "still here"}"#).status == 200)
        }
    }

    @Test func healthMetricsAndTheAdminAPI() async throws {
        try await HTTPHost.with() { host in
            let health = try await host.curl("/health", key: nil)
            #expect(health.status == 200)
            #expect(health.json["ready"] == .bool(true))
            #expect(health.json["components"]?["sqlite"]?["state"] == "up")
            #expect(health.json["components"]?["echo"]?["kind"] == "provider")

            _ = try await host.post("/sessions", "")
            let metrics = try await host.curl("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(metrics.body.contains(#"switchboard_http_requests_total{route="create_session",status="201"} 1"#))
            #expect(try await host.curl("/metrics", key: nil).status == 401)

            let admin = ["-H", "X-Admin-Token: \(HTTPHost.adminToken)"]
            let config = try await host.curl("/admin/config", admin, key: nil)
            #expect(config.status == 200)
            #expect(config.json["config"]?["active"]?["provider"] == "echo")
            #expect(!config.body.contains("key-alice") && !config.body.contains(HTTPHost.adminToken))
            #expect(config.json["config"]?["plugins"]?["WebSocket"]?["config"]?["admin_token"] == "env:SB_TEST_ADMIN_TOKEN")

            #expect(try await host.curl("/admin/bypass", admin, key: nil).json["bypass"] == .array([]))
            let added = try await host.curl("/admin/bypass", admin + ["-X", "POST", "--data-binary", #"{"ip": "10.1.2.3"}"#], key: nil)
            #expect(added.status == 201)
            #expect(try await host.curl("/admin/bypass", admin, key: nil).json["bypass"] == .array(["10.1.2.3"]))
            #expect(try await host.curl("/admin/bypass/10.1.2.3", admin + ["-X", "DELETE"], key: nil).status == 200)
            #expect(try await host.curl("/admin/bypass/10.1.2.3", admin + ["-X", "DELETE"], key: nil).status == 404)
            let servers = try await host.curl("/admin/servers", admin, key: nil)
            #expect(servers.status == 200 && servers.json["sources"] != nil)
            #expect(try await host.curl("/admin/servers/time/restart", admin + ["-X", "POST"], key: nil).status == 404)

            // The runtime configuration operations (issue 8): validated, written to the overrides file, applied live.
            let set = try await host.curl("/admin/config/chat.system_prompt", admin + ["-X", "PUT", "--data-binary", #"{"value": "Be terse."}"#], key: nil)
            #expect(set.status == 200 && set.json["version"] == .int(1) && set.json["value"] == "Be terse.")
            #expect(try await host.curl("/admin/config/chat.system_prompt", admin, key: nil).json["value"] == "Be terse.")
            let refused = try await host.curl("/admin/config/log.level", admin + ["-X", "PUT", "--data-binary", #"{"value": "loud"}"#], key: nil)
            #expect(refused.status >= 400 && refused.status < 500 && refused.json["error"]?["code"] != nil)
            #expect(try await host.curl("/admin/config/log.level", admin + ["-X", "PUT", "--data-binary", "{}"], key: nil).status == 422)
            let keys = try await host.curl("/admin/config/plugins.WebSocket.config.api_keys", admin, key: nil)
            #expect(keys.status == 200 && !keys.body.contains("key-alice") && keys.body.contains("alice"))
            #expect(try await host.curl("/admin/config/chat.system_prompt", admin + ["-X", "DELETE"], key: nil).status == 200)
            #expect(try await host.curl("/admin/config/chat.system_prompt", admin, key: nil).json["value"] == "Be brief.")
            #expect(try await host.curl("/admin/config/chat.system_prompt", admin + ["-X", "DELETE"], key: nil).status == 404)
            let reset = try await host.curl("/admin/config", admin + ["-X", "DELETE"], key: nil)
            #expect(reset.status == 200 && reset.json["removed"] == .bool(true))
            let noToken = try await host.curl("/admin/config/log.level", ["-X", "PUT", "--data-binary", #"{"value": "debug"}"#])
            #expect(noToken.status == 401, "\(noToken.status) \(noToken.body)")
        }
    }

    @Test func rateLimitsAnswer429UntilTheBucketRefillsAndTheBypassListIsHonoured() async throws {
        try await HTTPHost.with(transport: ", metrics: false, cors_origins: [\"https://app.example\"], rate_limits: {per_ip: {rps: 2, burst: 2}}") { host in
            #expect(try await host.curl("/sessions").status == 200)
            #expect(try await host.curl("/sessions").status == 200)
            let limited = try await host.curl("/sessions")
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rate_limited")
            let retry = try #require(limited.json["retry_after"]?.doubleValue)
            #expect(retry > 0 && retry <= 0.5)
            #expect(limited.headers["retry-after"] == "1")
            try await Task.sleep(for: .milliseconds(Int(retry * 1000) + 50))
            #expect(try await host.curl("/sessions").status == 200)  // recovered

            let admin = ["-H", "X-Admin-Token: \(HTTPHost.adminToken)"]
            try await Task.sleep(for: .milliseconds(1100))
            #expect(try await host.curl("/admin/bypass", admin + ["-X", "POST", "--data-binary", #"{"ip": "127.0.0.1"}"#], key: nil).status == 201)
            for _ in 0..<5 { #expect(try await host.curl("/sessions").status == 200) }

            #expect(try await host.curl("/metrics").status == 404)  // metrics: false
            let cors = try await host.curl("/sessions", ["-H", "Origin: https://app.example"])
            #expect(cors.headers["access-control-allow-origin"] == "https://app.example")
            #expect(try await host.curl("/sessions", ["-H", "Origin: https://evil.example"]).headers["access-control-allow-origin"] == nil)
            let preflight = try await host.curl("/sessions", ["-X", "OPTIONS", "-H", "Origin: https://app.example"], key: nil)
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-methods"]?.contains("POST") == true)
        }
    }

    @Test func sigtermDuringStreamingTurnsLosesNothingThatStreamedAndClosesWebSocketsWith1001() async throws {
        try await HTTPHost.with(delayMs: 40) { host in
            let id = try #require(try await host.post("/sessions", "").json["session_id"]?.stringValue)
            let long = (1...300).map { "word\($0)" }.joined(separator: " ")
            async let sse = host.post("/sessions/\(id)/messages", #"{"content": "\#(long)"}"#, ["-N", "-H", "Accept: text/event-stream"])
            let frame = #"{"action": "chat", "request_id": "ws-1", "payload": {"text": "\#(long)"}}"#
            async let ws = Self.rawWebSocket(port: host.port, frame: frame)
            try await Task.sleep(for: .milliseconds(900))
            let status = await host.terminate()
            #expect(status == 0)
            let events = try await sse.events
            let wsResult = await ws
            #expect(events.first?.name == "processing")
            let streamed = events.compactMap { $0.data["chunk"] }.filter { $0["type"] == "text" }.compactMap { $0["data"]?.stringValue }.joined()
            #expect(!streamed.isEmpty)
            #expect(wsResult["close_code"] == .int(1001), "\(wsResult)")

            try await host.restart()
            let stored = try await host.curl("/sessions/\(id)")
            let assistant = try #require(stored.json["messages"]?.arrayValue?.last { $0["role"] == "assistant" })
            let content = assistant["content"]?.stringValue ?? ""
            #expect(content.hasPrefix(streamed), "stored \(content.count) chars, streamed \(streamed.count)")
            #expect(assistant["status"] == "incomplete")
            // The WebSocket turn started a conversation of its own, which is stored too.
            let sessions = try await host.curl("/sessions").json["sessions"]?.arrayValue ?? []
            #expect(sessions.count == 2)
        }
    }

    /// A bare-socket WebSocket client (Clients/raw_client.py) that sends `frame` and reads until the close.
    static func rawWebSocket(port: Int, frame: String) async -> JSONValue {
        await offThePool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ClientPaths.systemPython)
            process.arguments = [ClientPaths.clients + "/raw_client.py", "127.0.0.1", String(port), "/ws/chat?token=key-alice", "slow", frame, "0.05"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { return .null }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (try? JSONValue.parse(String(decoding: data, as: UTF8.self))) ?? .null
        }
    }
}
