import Testing
@testable import Host

@Suite struct ServersConfigTests {
    @Test func validServersAreListed() throws {
        let text = #"{"mcpServers": {"time": {"command": "mcp-server-time", "args": ["--x"], "env": {"A": "b"}, "enabled": true}, "web": {"url": "http://127.0.0.1:9/mcp", "headers": {"X": "y"}}}}"#
        #expect(try ServersConfig.validate(text, file: "s.json").sorted() == ["time", "web"])
    }

    @Test func invalidJSONReportsLineAndColumn() throws {
        let text = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": \"x\",,}\n  }\n}\n"
        let error = #expect(throws: ConfigError.self) { try ServersConfig.validate(text, file: "s.json") }
        let diagnostic = try #require(error?.diagnostics.first)
        #expect(diagnostic.location.line == 3)
        #expect(diagnostic.location.column > 1)
        #expect(diagnostic.message.hasPrefix("invalid JSON"))
    }

    @Test func schemaErrorsPointAtTheOffendingValue() throws {
        let text = "{\n  \"mcpServers\": {\n    \"a\": {\"command\": 5, \"args\": \"--x\"},\n    \"b\": {\"command\": \"x\", \"url\": \"http://h\"},\n    \"c\": {\"cmd\": \"x\"}\n  }\n}\n"
        let error = #expect(throws: ConfigError.self) { try ServersConfig.validate(text, file: "s.json") }
        let lines = try #require(error?.diagnostics.map(\.description))
        #expect(lines.contains("s.json:3:22: server 'a': \"command\" must be a string, found a number"))
        #expect(lines.contains("s.json:3:33: server 'a': \"args\" must be a list of strings, found a string"))
        #expect(lines.contains { $0.hasPrefix("s.json:4:5: server 'b' needs exactly one of") })
        #expect(lines.contains { $0.hasPrefix("s.json:5:11: unknown key 'cmd'") })
    }

    @Test func missingMCPServersKeyIsExplained() {
        let error = #expect(throws: ConfigError.self) { try ServersConfig.validate(#"{"servers": {}}"#, file: "s.json") }
        #expect(error?.diagnostics.first?.message.contains("missing \"mcpServers\"") == true)
    }
}
