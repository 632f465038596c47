import Foundation
import Host
import PluginTestKit
import Testing

/// HTTP failures: an expired session (404), an SSE stream dropped mid-response, a server that goes away.
@Suite struct HTTPFailureTests {
    @Test func a404ForTheSessionMeansReinitializeAndTheCallStillSucceeds() async throws {
        let server = try await HTTPServerProcess.start(legacy: true, ["--expire-sessions"])
        defer { server.stop() }
        try await MCPFixture.with([.http("web", server.url)]) { fixture in
            try await fixture.waitUp("web")
            #expect(try await fixture.call("expire_session")["tool_message"] == .string("armed"))
            let result = try await fixture.call("echo", ["text": .string("after the 404")])
            #expect(result["tool_message"] == .string("after the 404"), "\(result)")
            #expect(fixture.logContains("web: the session expired (HTTP 404); re-initializing"))
            #expect(try await fixture.server("web")["restarts"] == .int(0), "the session was renewed, not the connection restarted")
        }
    }

    @Test func aDroppedSSEStreamIsResumedWithLastEventID() async throws {
        let server = try await HTTPServerProcess.start(legacy: true, ["--event-store"])
        defer { server.stop() }
        try await MCPFixture.with([.http("web", server.url)]) { fixture in
            try await fixture.waitUp("web")
            let events = try await fixture.harness.events("call_tool", .object(["name": .string("drop_stream"), "arguments": .object([:])]))
            #expect(try PluginHarness.result(of: events)["tool_message"] == .string("survived the drop"))
            let messages = try events.filter { $0.kind == .progress }.map { try JSONValue.parse($0.data)["message"]?.stringValue ?? "" }
            #expect(messages == ["before the drop", "after the drop"], "the progress after the drop came on the resumed stream")
            #expect(fixture.harness.logLines.contains { $0.contains("web: the response stream of request") && $0.contains("with Last-Event-ID") },
                    "the stream really was dropped and resumed")
        }
    }

    @Test func aServerThatGoesAwayIsDownWithTheReasonAndCallsFailAtOnce() async throws {
        let server = try await HTTPServerProcess.start()
        defer { server.stop() }  // idempotent: the test stops it itself, this only covers a throw
        try await MCPFixture.with([.http("web", server.url)],
                                  connection: ["ping_interval": .double(0.3), "max_reconnect_attempts": .int(1), "initial_reconnect_delay": .double(0.1)]) { fixture in
            try await fixture.waitUp("web")
            server.stop()
            let status = try await fixture.waitFor("web given up") { fixture.state(of: "web", in: $0) == "failed" }
            let lastError = status["servers"]?.items.first?["last_error"]?.stringValue ?? ""
            #expect(lastError.contains("cannot connect to \(server.url)") || lastError.contains("Couldn't connect"), "\(lastError)")
            let result = try await fixture.call("echo", ["text": .string("x")])
            #expect(result["error"]?["code"] == .string("server_down"))
        }
    }
}
