import Foundation
import Host
import PluginTestKit
import Testing

/// The MCP plugin against real servers from PyPI: mcp-server-time and mcp-server-git (stdio).
@Suite struct RealServerTests {
    @Test func timeServerListsAndAnswersWithStructuredContent() async throws {
        try await MCPFixture.with([.stdio("time", MCPTestPaths.venv + "/mcp-server-time", ["--local-timezone", "UTC"])]) { fixture in
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
}

extension RealServerTests {
    @Test func gitServerWorksOnARepositoryAndSitsBesideTheTimeServer() async throws {
        let repository = NSTemporaryDirectory() + "mcp-git-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: repository, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: repository) }
        for arguments in [["init", "-q", "-b", "main"], ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "first commit"]] {
            let git = Process()
            git.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            git.arguments = arguments
            git.currentDirectoryURL = URL(fileURLWithPath: repository)
            try git.run()
            git.waitUntilExit()
            try #require(git.terminationStatus == 0)
        }
        try "hello".write(toFile: repository + "/new.txt", atomically: true, encoding: .utf8)
        try await MCPFixture.with([
            .stdio("git", MCPTestPaths.venv + "/mcp-server-git", ["--repository", repository]),
            .stdio("time", MCPTestPaths.venv + "/mcp-server-time", ["--local-timezone", "UTC"]),
                                  ]) { fixture in
            try await fixture.waitUp("git", "time")
            let names = try await fixture.toolNames()
            #expect(names.filter { $0.hasPrefix("git_") }.count == 12)
            #expect(names.contains("get_current_time"))
            let status = try await fixture.call("git_status", ["repo_path": .string(repository)])
            #expect(status["is_error"]?.boolValue == false)
            #expect(status["tool_message"]?.stringValue?.contains("new.txt") == true)
            let log = try await fixture.call("git_log", ["repo_path": .string(repository), "max_count": .int(1)])
            #expect(log["tool_message"]?.stringValue?.contains("first commit") == true)
            let unknownArgument = try await fixture.call("git_status", [:])
            #expect(unknownArgument["is_error"]?.boolValue == true, "a missing argument is a tool error fed to the model")
        }
    }
}
