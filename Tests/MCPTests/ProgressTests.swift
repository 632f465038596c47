import Foundation
import Host
import PluginTestKit
import Testing

/// notifications/progress become PROGRESS events, and extend a call's timeout up to the hard maximum.
@Suite struct ProgressTests {
    func slowCall(_ fixture: MCPFixture, seconds: Double, steps: Int, timeout: Double? = nil) async throws -> [PluginEvent] {
        var request: [String: JSONValue] = ["name": .string("slow"), "arguments": .object(["seconds": .double(seconds), "steps": .int(Int64(steps))])]
        if let timeout { request["timeout"] = .double(timeout) }
        return try await fixture.harness.events("call_tool", .object(request))
    }

    @Test(arguments: [false, true])
    func progressIsForwardedInOrderBeforeTheResult(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("work", legacy: legacy)]) { fixture in
            try await fixture.waitUp("work")
            let events = try await slowCall(fixture, seconds: 0.4, steps: 4)
            let progress = events.filter { $0.kind == .progress }
            #expect(progress.count == 4)
            let reports = try progress.map { try JSONValue.parse($0.data) }
            #expect(reports.map { $0["progress"]?.numberValue ?? 0 } == [1, 2, 3, 4])
            #expect(reports.allSatisfy { $0["total"]?.numberValue == 4 })
            #expect(reports.last?["message"] == .string("step 4 of 4"))
            #expect(progress.first?.name == "slow")
            #expect(events.last?.kind == .done)
            #expect(try PluginHarness.result(of: events)["tool_message"] == .string("done after 4 steps"))
        }
    }

    @Test func progressKeepsALongCallAliveBeyondItsTimeout() async throws {
        try await MCPFixture.with([.everything("work")]) { fixture in
            try await fixture.waitUp("work")
            let events = try await slowCall(fixture, seconds: 2.4, steps: 12, timeout: 0.8)
            #expect(try PluginHarness.result(of: events)["tool_message"] == .string("done after 12 steps"), "progress every 0.2 s restarts the 0.8 s timeout")
        }
    }

    @Test func theHardMaximumEndsACallThatKeepsReportingProgress() async throws {
        try await MCPFixture.with([.everything("work")], settings: ["requests": .object(["timeout": .double(0.8), "max_timeout": .double(1.5)])]) { fixture in
            try await fixture.waitUp("work")
            let started = Date()
            let result = try PluginHarness.result(of: try await slowCall(fixture, seconds: 6, steps: 30))
            #expect(result["is_error"] == .bool(true))
            #expect(result["error"]?["code"] == .string("timeout"))
            #expect(result["tool_message"]?.stringValue?.contains("within the maximum of 1.5 s") == true, "\(result)")
            #expect(Date().timeIntervalSince(started) < 3)
            #expect(try await fixture.call("echo", ["text": .string("still fine")])["tool_message"] == .string("still fine"))
        }
    }
}
