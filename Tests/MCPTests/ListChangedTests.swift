import Foundation
import Host
import PluginTestKit
import Testing

/// A server's list changes reach the catalog: legacy servers send list_changed notifications,
/// modern ones send them on the subscriptions/listen stream the client opened.
@Suite struct ListChangedTests {
    @Test(arguments: [false, true])
    func aToolAddedAtRunTimeAppearsAndCanBeCalled(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("grow", legacy: legacy)]) { fixture in
            try await fixture.waitUp("grow")
            #expect(try await !fixture.toolNames().contains("late_tool"))
            let changesBefore = fixture.harness.logLines.filter { $0.contains("catalog changed") }.count
            #expect(try await fixture.call("add_tool", ["name": .string("late_tool")])["tool_message"] == .string("added late_tool"))
            try await fixture.waitFor("late_tool listed") { $0["servers"]?.items.first?["tools"] == .int(13) }
            #expect(try await fixture.toolNames().contains("late_tool"))
            #expect(try await fixture.call("late_tool")["tool_message"] == .string("I am late_tool"))
            #expect(fixture.harness.logLines.filter { $0.contains("catalog changed") }.count > changesBefore, "the host was told")
            #expect(fixture.logContains("grow: tools changed: now 13 tools"))
        }
    }
}
