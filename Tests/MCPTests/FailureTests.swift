import Foundation
import Host
import PluginTestKit
import Testing

/// Servers that fail: each test provokes one failure the issue names and checks the outcome.
@Suite struct FailureTests {
    @Test func aServerThatExitsMidCallGivesAToolErrorAndIsRestartedAndReaped() async throws {
        try await MCPFixture.with([.misbehaving("fragile")]) { fixture in
            try await fixture.waitUp("fragile")
            let firstPID = try #require(try await fixture.server("fragile")["pid"]?.numberValue)
            let result = try await fixture.call("exit", ["code": .int(7)])
            #expect(result["is_error"] == .bool(true))
            #expect(result["error"]?["code"] == .string("server_down"))
            #expect(result["tool_message"]?.stringValue?.hasPrefix("server 'fragile' stopped before answering") == true, "\(result)")
            try await fixture.waitForLog("fragile: process exited with status 7")
            #expect(fixture.logContains("fragile: stderr: exiting mid-call"))
            let restarted = try await fixture.waitFor("a new process") { status in
                status["servers"]?.items.first?["state"] == .string("up") && status["servers"]?.items.first?["pid"]?.numberValue != firstPID
            }
            #expect(restarted["servers"]?.items.first?["restarts"] == .int(1))
            #expect(!ProcessCheck.exists(Int32(firstPID)), "the crashed process was reaped, not left a zombie")
            #expect(try await fixture.call("echo", ["text": .string("back")])["tool_message"] == .string("back"))
        }
    }

    @Test func garbageOnStdoutIsLoggedAndSkippedWithoutBreakingTheConnection() async throws {
        try await MCPFixture.with([.misbehaving("noisy", ["--garbage", "--banner", "Welcome to noisy server v1!"])]) { fixture in
            try await fixture.waitUp("noisy")
            #expect(try await fixture.call("echo", ["text": .string("clean")])["tool_message"] == .string("clean"))
            #expect(fixture.logContains("noisy: ignored output that is not JSON-RPC (1 so far): Welcome to noisy server v1!"))
            #expect(fixture.logContains("(a message of 20971520 bytes, over max_message_bytes 16777216, was dropped)"))
            #expect(fixture.logContains("ignored output that is not JSON-RPC (5 so far)"))
            #expect(!fixture.logContains("(6 so far)"), "the warnings are rate-limited")
        }
    }

    @Test func aCommandNotOnPathIsDownWithAClearMessageAndTheOthersRun() async throws {
        try await MCPFixture.with([.stdio("ghost", "no-such-mcp-server-xyz", []), .misbehaving("fine")],
                                  connection: ["max_reconnect_attempts": .int(1), "initial_reconnect_delay": .double(0.1)]) { fixture in
            try await fixture.waitUp("fine")
            let status = try await fixture.waitFor("ghost given up") { fixture.state(of: "ghost", in: $0) == "failed" }
            let ghost = try #require(status["servers"]?.items.first { $0["name"] == .string("ghost") })
            #expect(ghost["last_error"]?.stringValue?.hasPrefix("command 'no-such-mcp-server-xyz' not found or not executable on PATH (") == true)
            #expect(status["state"] == .string("degraded"))
            #expect(fixture.logContains("ghost: giving up after 2 failed attempts in a row (connection.max_reconnect_attempts 1)"))
            #expect(try await fixture.call("echo", ["text": .string("ok")])["tool_message"] == .string("ok"))
        }
    }

    @Test(arguments: [false, true])
    func aHungServerIsFoundByPingAndRestarted(legacy: Bool) async throws {
        try await MCPFixture.with([.misbehaving("stuck", ["--hang-after", legacy ? "4" : "3"] + (legacy ? ["--legacy-only"] : []))],
                                  connection: ["ping_interval": .double(0.3), "ping_timeout": .double(0.5)]) { fixture in
            try await fixture.waitUp("stuck")
            let firstPID = try #require(try await fixture.server("stuck")["pid"]?.numberValue)
            let probe = legacy ? "ping" : "server/discover"
            // A new process comes up only after the hung one was stopped and reaped.
            try await fixture.waitFor("a new process") { status in
                let server = status["servers"]?.items.first
                return server?["state"] == .string("up") && server?["pid"]?.numberValue != firstPID
            }
            #expect(!ProcessCheck.exists(Int32(firstPID)), "the hung process was stopped and reaped")
            #expect(fixture.logContains("stuck: connection lost: the server is not answering (no answer to \(probe) within 0.5 s)"))
            #expect(fixture.logContains("stuck: process exited with status 0"), "it still reads stdin: closing stdin ends it")
        }
    }

    @Test func aServerThatCannotStartIsRetriedWithBackoffThenGivenUp() async throws {
        let starts = NSTemporaryDirectory() + "mcp-starts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: starts) }
        try await MCPFixture.with([.misbehaving("broken", ["--exit-at-start", "2", "--count-starts", starts])],
                                  connection: ["max_reconnect_attempts": .int(2), "initial_reconnect_delay": .double(0.2), "max_reconnect_delay": .double(0.3)]) { fixture in
            let status = try await fixture.waitFor("given up") { fixture.state(of: "broken", in: $0) == "failed" }
            #expect(status["state"] == .string("down"))
            let lines = (try String(contentsOfFile: starts, encoding: .utf8)).split(separator: "\n")
            #expect(lines.count == 3, "the first start and max_reconnect_attempts (2) retries")
            for pid in lines.compactMap({ Int32($0) }) { fixture.notePID(pid) }
            #expect(fixture.logContains("broken: retrying in 0.2 s"))
            #expect(fixture.logContains("broken: retrying in 0.3 s"), "0.4 s capped at max_reconnect_delay")
            #expect(fixture.logContains("broken: process exited with status 2"))
            #expect(fixture.logContains("broken: stderr: refusing to start"))
        }
    }
}
