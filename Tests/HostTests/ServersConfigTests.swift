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

    @Test func commentKeysAreAllowedAndURLsAndTimeoutsAreChecked() throws {
        let ok = #"{"_comment": "x", "mcpServers": {"a": {"_comment": "demo", "command": "x", "timeout": 2.5}}, "settings": {}}"#
        #expect(try ServersConfig.validate(ok, file: "s.json") == ["a"])
        let bad = "{\"mcpServers\": {\n \"a\": {\"url\": \"ftp://h\"},\n \"b\": {\"command\": \"x\", \"timeout\": 0}}}"
        let error = #expect(throws: ConfigError.self) { try ServersConfig.validate(bad, file: "s.json") }
        let lines = try #require(error?.diagnostics.map(\.description))
        #expect(lines.contains("s.json:2:15: server 'a': \"url\" must be an http:// or https:// URL, found 'ftp://h'"))
        #expect(lines.contains { $0 == "s.json:3:35: server 'b': \"timeout\" must be a number of seconds greater than 0, found '0'" })
    }

    @Test func missingMCPServersKeyIsExplained() {
        let error = #expect(throws: ConfigError.self) { try ServersConfig.validate(#"{"servers": {}}"#, file: "s.json") }
        #expect(error?.diagnostics.first?.message.contains("missing \"mcpServers\"") == true)
    }
}
