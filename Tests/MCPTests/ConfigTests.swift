import Foundation
import Host
@testable import MCPClient
import PluginTestKit
import Testing

/// servers_config.json as the plugin reads it, the plugin's config block, the servers' environment.
@Suite struct ConfigTests {
    @Test func serversAreReadAndOneBadEntryDoesNotSpoilTheOthers() throws {
        let text = #"""
        {"_comment": "x", "mcpServers": {
          "time": {"command": "mcp-server-time", "args": ["--local-timezone", "UTC"], "env": {"TZ": "UTC"}, "cwd": "sub", "timeout": 5},
          "web": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer x"}, "enabled": false},
          "both": {"command": "x", "url": "http://h"},
          "typo": {"comand": "x"},
          "args": {"command": "x", "args": "--flag"},
          "_commented": {"command": "x", "_comment": "fine"}
        }}
        """#
        let definitions = try ServerDefinition.parse(text, file: "s.json", baseDirectory: "/etc/sb")
        let byName = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })
        #expect(byName["time"]?.endpoint == .stdio(command: "mcp-server-time", args: ["--local-timezone", "UTC"], cwd: "/etc/sb/sub", env: ["TZ": "UTC"]))
        #expect(byName["time"]?.timeout == 5)
        #expect(byName["web"]?.endpoint == .http(url: "https://example.com/mcp", headers: ["Authorization": "Bearer x"]))
        #expect(byName["web"]?.enabled == false)
        #expect(byName["both"]?.problem == "server 'both' needs exactly one of \"command\" (stdio) or \"url\" (Streamable HTTP)")
        #expect(byName["typo"]?.problem?.hasPrefix("server 'typo': unknown key 'comand'") == true)
        #expect(byName["args"]?.problem == "server 'args': \"args\" must be a list of strings")
        #expect(byName["_commented"]?.problem == nil)
        #expect(throws: MCPError.self) { try ServerDefinition.parse("{}", file: "s.json", baseDirectory: "/") }
        #expect(throws: MCPError.self) { try ServerDefinition.parse("{nope", file: "s.json", baseDirectory: "/") }
        #expect(try ServerDefinition.load(path: "/nonexistent/servers_config.json").isEmpty)
    }

    @Test func settingsUseTheSeedNamesAndNameTheBadKey() throws {
        let settings = try ClientSettings(json: #"{"connection": {"max_reconnect_attempts": 2, "initial_reconnect_delay": 0.5, "max_reconnect_delay": 4, "connection_timeout": 9, "ping_interval": 0, "ping_timeout": 3}, "requests": {"timeout": 7, "max_timeout": 70}}"#)
        #expect(settings.policy == .init(maxAttempts: 2, initialDelay: 0.5, maxDelay: 4))
        #expect((settings.connectionTimeout, settings.pingInterval, settings.pingTimeout) == (9, 0, 3))
        #expect((settings.requestTimeout, settings.maxRequestTimeout) == (7, 70))
        let cases: [(String, String)] = [
            (#"{"connection": {"ping_timeout": -1}}"#, "connection.ping_timeout must be a number of seconds greater than 0 up to 86400"),
            (#"{"connection": {"max_reconect_attempts": 1}}"#, "unknown key 'connection.max_reconect_attempts'"),
            (#"{"requests": {"timeout": 10, "max_timeout": 5}}"#, "requests.max_timeout (5.0) must be at least requests.timeout (10.0)"),
            (#"{"server_log_level": "loud"}"#, "server_log_level must be one of debug, info, notice"),
            (#"{"max_message_bytes": 10}"#, "max_message_bytes must be a whole number from 1024"),
            ("[]", "the config block must be a JSON object"),
        ]
        for (json, message) in cases {
            let error = #expect(throws: MCPError.self) { try ClientSettings(json: json) }
            #expect(error?.message.hasPrefix(message) == true, "\(json): \(error?.message ?? "")")
        }
    }

    @Test func aServerGetsOnlyPathHomeLangAndWhatItsConfigSays() {
        let host = ["PATH": "/bin", "HOME": "/root", "LANG": "en_US.UTF-8", "OPENAI_API_KEY": "sk-secret", "AWS_SECRET_ACCESS_KEY": "x"]
        #expect(ServerLaunch.environment(host: host, configured: ["TZ": "UTC", "PATH": "/opt/bin"])
                == ["PATH": "/opt/bin", "HOME": "/root", "LANG": "en_US.UTF-8", "TZ": "UTC"])
        #expect(ServerLaunch.environment(host: [:], configured: [:]) == ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"])
    }

    @Test func createRefusesABadBlockWithTheKeyAndRunsWithoutAServersFile() throws {
        let error = #expect(throws: ComponentError.self) {
            try PluginHarness(plugin: "MCP", component: "mcp", config: .object(["connection": .object(["ping_interval": .string("often")])]))
        }
        #expect(error?.message.hasPrefix("connection.ping_interval must be a number of seconds") == true)
        let harness = try PluginHarness(plugin: "MCP", component: "mcp", config: .object(["servers_config": .string("/nonexistent/servers.json")]))
        defer { harness.destroy() }
        #expect(harness.logLines.contains { $0.contains("no servers file at /nonexistent/servers.json: no MCP servers") })
    }

    @Test func theHostsResolvedServersConfigIsUsedWhenTheBlockNamesNone() async throws {
        let folder = NSTemporaryDirectory() + "mcp-config-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try #"{"mcpServers": {"off": {"command": "nothing-here", "enabled": false}}}"#.write(toFile: folder + "/s.json", atomically: true, encoding: .utf8)
        let harness = try PluginHarness(plugin: "MCP", component: "mcp", hostConfiguration: .object(["servers_config": .string(folder + "/s.json")]))
        defer { harness.destroy() }
        let status = try await harness.call("status")
        #expect(status["servers"]?.items.first?["state"] == .string("disabled"))
        #expect(status["state"] == .string("up"), "nothing enabled is down")
    }
}
