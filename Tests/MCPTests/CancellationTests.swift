import Foundation
import Host
import PluginTestKit
import Testing

/// A call that never finishes: the timeout turns it into a tool error and cancels it on the
/// server; a chat turn cancelled by the host cancels it on the server too.
@Suite struct CancellationTests {
    /// Waits (bounded) until `file` holds something.
    func contents(of file: String, seconds: Double = 10) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: file, encoding: .utf8), !text.isEmpty { return text }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(file) stayed empty for \(seconds) s")
        return ""
    }

    @Test func aServerThatNeverAnswersTimesOutAndIsToldToStop() async throws {
        let cancelLog = NSTemporaryDirectory() + "mcp-cancelled-\(UUID().uuidString).log"
        defer { try? FileManager.default.removeItem(atPath: cancelLog) }
        try await MCPFixture.with([.misbehaving("mute", ["--cancel-log", cancelLog])]) { silent in
            try await silent.waitUp("mute")
            let started = Date()
            let result = try await silent.call("never", timeout: 0.5)
            #expect(Date().timeIntervalSince(started) < 5, "the timeout fired (0.5 s, plus scheduling on a loaded machine)")
            #expect(result["is_error"] == .bool(true))
            #expect(result["error"]?["code"] == .string("timeout"))
            #expect(result["tool_message"] == .string("tools/call 'never' got no answer within 0.5 s"))
            let log = try await contents(of: cancelLog)
            #expect(log.hasSuffix(" timed out\n"), "notifications/cancelled {requestId, reason}: \(log)")
            #expect(try await silent.call("echo", ["text": .string("next")])["tool_message"] == .string("next"), "the server is still used")
        }
    }

    @Test(arguments: [false, true])
    func theSDKServerCancelsItsHandlerOnTimeout(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("sleepy", legacy: legacy)]) { fixture in
            try await fixture.waitUp("sleepy")
            let marker = fixture.directory + "/marker"
            let result = try await fixture.call("sleep_forever", ["marker": .string(marker)], timeout: 1)
            #expect(result["error"]?["code"] == .string("timeout"))
            #expect(try await contents(of: marker) == "cancelled")
        }
    }

    @Test(arguments: [false, true])
    func cancellingTheOperationCancelsTheCallOnTheServer(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("sleepy", legacy: legacy)]) { fixture in
            try await fixture.waitUp("sleepy")
            let marker = fixture.directory + "/marker"
            let request: JSONValue = .object(["name": .string("sleep_forever"), "arguments": .object(["marker": .string(marker)])])
            let operation = try fixture.harness.instance.start(op: "call_tool", request: request.jsonText)
            try await Task.sleep(for: .milliseconds(500))
            fixture.harness.instance.cancel(operation.handle)
            let events = await operation.events.collect()
            #expect(events.map(\.kind) == [.cancelled], "exactly one terminal event, CANCELLED")
            #expect(try await contents(of: marker) == "cancelled")
            #expect(try await fixture.call("echo", ["text": .string("after")])["tool_message"] == .string("after"))
        }
    }
}
