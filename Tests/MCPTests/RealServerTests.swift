import Foundation
import Host
import PluginTestKit
import Testing

/// The MCP plugin against real servers from PyPI: mcp-server-time and mcp-server-git (stdio).
@Suite struct RealServerTests {
    @Test func timeServerListsAndAnswersWithStructuredContent() async throws {
        let fixture = try MCPFixture([.stdio("time", MCPTestPaths.venv + "/mcp-server-time", ["--local-timezone", "UTC"])])
        defer { fixture.finish() }
        try await fixture.waitUp("time")
        let server = try await fixture.server("time")
        #expect(server["era"]?.stringValue == "modern")
        #expect(server["protocol_version"]?.stringValue == "2026-07-28")
        #expect(try await fixture.toolNames().sorted() == ["convert_time", "get_current_time"])
        let result = try await fixture.call("get_current_time", ["timezone": .string("Asia/Tokyo")])
        #expect(result["is_error"]?.boolValue == false)
        #expect(result["server"]?.stringValue == "time")
        #expect(result["structured_content"]?["timezone"]?.stringValue == "Asia/Tokyo")
        #expect(result["tool_message"]?.stringValue?.contains("Asia/Tokyo") == true)
    }
}
