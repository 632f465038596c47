import Foundation
import Host
import PluginTestKit
import Testing

/// Supervision as a client sees it: start-up is never blocked, tools follow their server's
/// state, calls to a down server fail at once, logs carry the server's name, shutdown is clean.
@Suite struct SupervisionTests {
    @Test func oneBadServerNeverBlocksStartUpOrTheOthers() async throws {
        // connection_timeout 10 s: long enough that "good" is up while "mute" is still in its
        // handshake, even on a loaded machine (3 s was not, under two busy loops).
        try await MCPFixture.with([.stdio("ghost", "/nonexistent/server", []), .misbehaving("mute", ["--hang-after", "0"]), .misbehaving("good")],
                                  connection: ["connection_timeout": .double(10)]) { fixture in
            #expect(fixture.creationSeconds < 0.5, "create() does not wait for any server")
            try await fixture.waitUp("good")
            let status = try await fixture.status()
            #expect(fixture.state(of: "mute", in: status) == "starting", "still in its handshake")
            #expect(try await fixture.call("echo", ["text": .string("served")])["tool_message"] == .string("served"))
            try await fixture.waitForLog("mute: cannot connect: server 'mute' did not finish the handshake in time (connection_timeout): no answer to initialize")
        }
    }

    @Test func toolsDisappearWhileTheirServerIsDownAndCallsFailAtOnce() async throws {
        try await MCPFixture.with([.everything("sdk")], connection: ["initial_reconnect_delay": .double(1.5), "max_reconnect_delay": .double(1.5)]) { fixture in
            try await fixture.waitUp("sdk")
            let before = try await fixture.toolNames()
            #expect(before.contains("echo"))
            let crash = try await fixture.call("crash")
            #expect(crash["error"]?["code"] == .string("server_down"))
            try await fixture.waitFor("down") { fixture.state(of: "sdk", in: $0) == "down" }
            #expect(try await fixture.toolNames().isEmpty, "its tools are gone while it is down")
            let started = Date()
            let refused = try await fixture.call("echo", ["text": .string("x")])
            #expect(Date().timeIntervalSince(started) < 0.5)
            #expect(refused["error"]?["code"] == .string("server_down"))
            let message = refused["tool_message"]?.stringValue ?? ""
            // Down until the retry (1.5 s), then starting while the new process comes up.
            #expect(message.hasPrefix("server 'sdk' is down (the server stopped: the server closed its stdout); next attempt in")
                    || message.hasPrefix("server 'sdk' is still starting (the server stopped: the server closed its stdout)"), "\(message)")
            try await fixture.waitUp("sdk")
            #expect(try await fixture.toolNames() == before, "the same tools, under the same names")
            #expect(fixture.logContains("sdk: stderr: crashing on purpose"))
        }
    }

    @Test func stderrAndLogNotificationsReachTheHostLogWithTheServerName() async throws {
        try await MCPFixture.with([.everything("chatty"), .misbehaving("plain")]) { fixture in
            try await fixture.waitUp("chatty", "plain")
            #expect(try await fixture.call("spam_stderr", ["lines": .int(3)])["tool_message"] == .string("done"))
            #expect(try await fixture.call("log_something", ["message": .string("hello")])["tool_message"] == .string("logged"))
            try await fixture.waitForLog("[mcp] plain: stderr: stderr line 2")
            #expect(fixture.logContains("[mcp] plain: stderr: stderr line 0"))
            try await fixture.waitForLog("WARN  [mcp] chatty: log says hello")
            try await fixture.waitForLog("[mcp] chatty: stderr: stderr says hello")
        }
    }

    @Test func aFloodOfStderrIsRateLimitedAndCounted() async throws {
        try await MCPFixture.with([.misbehaving("loud")]) { fixture in
            try await fixture.waitUp("loud")
            #expect(try await fixture.call("spam_stderr", ["lines": .int(5000)])["tool_message"] == .string("done"))
            try await Task.sleep(for: .milliseconds(1200))  // the next second's budget lets the next line (and the count) through
            #expect(try await fixture.call("spam_stderr", ["lines": .int(1)])["tool_message"] == .string("done"))
            try await fixture.waitForLog("stderr lines dropped: more than 200 a second)")
            let logged = fixture.harness.logLines.filter { $0.contains("loud: stderr: stderr line") }.count
            #expect(logged <= 400, "at most 200 a second reach the log, not 5000: \(logged)")
        }
    }

    @Test func shutdownStopsAPoliteServerAtOnceAndKillsAStubbornOne() async throws {
        try await MCPFixture.with([.misbehaving("polite"), .misbehaving("stubborn", ["--stubborn"])], settings: ["shutdown_grace": .double(0.4)]) { fixture in
            try await fixture.waitUp("polite", "stubborn")
            let started = Date()
            await fixture.finish()  // asserts that no process is left and every pid was reaped
            let elapsed = Date().timeIntervalSince(started)
            #expect(elapsed < 2, "stdin closed, 0.4 s, SIGTERM (ignored), 0.4 s, SIGKILL: \(elapsed) s")
            #expect(fixture.logContains("polite: process exited with status 0"), "\(fixture.harness.logLines.suffix(12).joined())")
            #expect(fixture.logContains("stubborn: process was killed by SIGKILL"))
        }
    }

    @Test func destroyDuringAHandshakeAndDuringBackoffReturnsPromptly() async throws {
        try await MCPFixture.with([.misbehaving("mute", ["--hang-after", "0"]), .stdio("ghost", "no-such-server", [])],
                                  connection: ["initial_reconnect_delay": .double(30), "max_reconnect_delay": .double(30)]) { fixture in
            try await fixture.waitFor("both trying") { status in
                fixture.state(of: "mute", in: status) == "starting" && fixture.state(of: "ghost", in: status) == "down"
            }
            let started = Date()
            await fixture.finish()
            #expect(Date().timeIntervalSince(started) < 3)
        }
    }

    @Test func aServerGetsOnlyTheBaseEnvironmentAndItsOwn() async throws {
        setenv("SB_HOST_SECRET_FOR_TEST", "s3cret", 1)
        try await MCPFixture.with([.misbehaving("env", env: ["FOO": "bar"])]) { fixture in
            try await fixture.waitUp("env")
            let text = try #require(try await fixture.call("env")["tool_message"]?.stringValue)
            let environment = try JSONValue.parse(text)
            guard case .object(let variables) = environment else { Issue.record("not an object"); return }
            #expect(Set(variables.keys).subtracting(["HOME"]) == ["PATH", "LANG", "FOO", "SB_TEST_MARKER"], "\(variables.keys.sorted())")
            #expect(variables["FOO"] == .string("bar"))
            #expect(variables["SB_HOST_SECRET_FOR_TEST"] == nil)
        }
    }
}
