import Foundation
import PluginTestKit
import Testing
@testable import Host

/// `switchboard run` applying configuration changes while it serves, and `switchboard config`.
@Suite struct HotReloadTests {
    static let environment = CommandLineTests.environment

    static let config = """
        plugin_dir: plugins
        runtime_overrides: runtime.yaml
        log: {level: info}
        plugins:
          ExampleC: {required: true, config: {delay_ms: 0}}
          ExampleSwift: {config: {max_input_chars: 100}}
        active: {provider: echo, tool_sources: [example_tools]}
        """

    /// A folder with both example plugins and `config`, and a host serving it (until `finish`).
    struct Host {
        let directory: TemporaryDirectory
        let process: RunningProcess

        /// Runs `body` with a serving host, then stops it and removes its folder, whatever happened.
        static func with(_ config: String = HotReloadTests.config, in directory: TemporaryDirectory? = nil,
                         _ body: (Host) async throws -> Void) async throws {
            let host = try await start(config, in: directory ?? TemporaryDirectory())
            do { try await body(host) } catch {
                await host.finish()
                throw error
            }
            await host.finish()
        }

        static func start(_ config: String, in directory: TemporaryDirectory) async throws -> Host {
            try directory.stage("ExampleC")
            try directory.stage("ExampleSwift")
            try directory.write("plugins.yaml", config)
            let process = RunningProcess(TestPaths.switchboard, ["run"], directory: directory.path, environment: HotReloadTests.environment)
            try process.start()
            let host = Host(directory: directory, process: process)
            guard await process.waitForStderr(containing: "ready:") else {
                await host.finish()
                throw Failure(message: "the host did not start: \(process.stderr)")
            }
            return host
        }

        /// Runs `switchboard ARGS` in the host's folder.
        func switchboard(_ arguments: [String]) async throws -> Subprocess.Result {
            try await Subprocess.run(TestPaths.switchboard, arguments, directory: directory.path, environment: HotReloadTests.environment)
        }

        /// Replaces a file as an editor does: a new file, renamed over the old one.
        func saveByRename(_ name: String, _ contents: String) throws {
            let temporary = directory.path + "/.\(name).swp"
            try contents.write(toFile: temporary, atomically: false, encoding: .utf8)
            guard rename(temporary, directory.path + "/" + name) == 0 else { throw Failure(message: "rename failed") }
        }

        /// The number of times `text` appears in the host's log.
        func count(_ text: String) -> Int { process.stderr.components(separatedBy: text).count - 1 }

        /// Waits (bounded) until `text` appears `times` times in the log.
        func waitFor(_ text: String, times: Int = 1, timeout: Double = 10) async -> Bool {
            await offThePoolPoll(timeout: timeout) { count(text) >= times }
        }

        func finish() async {
            process.signal(SIGTERM)
            if await process.waitForExit(timeout: 10) == nil {
                process.signal(SIGKILL)
                _ = await process.waitForExit(timeout: 5)
            }
            directory.remove()
        }
    }

    /// The time at the start of a log line (`2026-01-02T03:04:05.678 INFO ...`, UTC).
    static func logTime(_ line: Substring) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withDashSeparatorInDate, .withColonSeparatorInTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return line.split(separator: " ").first.flatMap { formatter.date(from: String($0)) }
    }

    struct Failure: Error, CustomStringConvertible { let message: String; var description: String { message } }

    @Test func anInvalidEditIsRejectedWithFileLineColumnAndTheRunningConfigurationStays() async throws {
        try await Host.with { host in
            try host.saveByRename("runtime.yaml", "log:\n  level: loud\n")
            #expect(await host.waitFor("configuration change rejected"))
            #expect(host.process.stderr.contains("ERROR [config] \(host.directory.path)/runtime.yaml:2:10: log.level must be one of"))
            #expect(host.process.stderr.contains("still running version 0"))
            try host.saveByRename("plugins.yaml", Self.config + "\nunknown_section: 1\n")
            #expect(await host.waitFor("configuration change rejected", times: 2))
            #expect(host.process.stderr.contains("plugins.yaml:8:1: unknown key 'unknown_section'"))
            // still serving, and a valid change afterwards is applied
            try host.saveByRename("runtime.yaml", "plugins: {ExampleC: {config: {delay_ms: 3}}}\n")
            try host.saveByRename("plugins.yaml", Self.config)
            #expect(await host.waitFor("configuration reloaded (version 0): changed plugins.ExampleC.config.delay_ms"))
            #expect(await host.process.waitForExit(timeout: 0) == nil, "still running")
        }
    }

    @Test func anEditSavedByWriteAndRenameIsAppliedWithinASecondIncludingTheLogLevel() async throws {
        try await Host.with { host in
            #expect(!host.process.stderr.contains("DEBUG"))
            let saved = Date()
            try host.saveByRename("plugins.yaml", Self.config.replacingOccurrences(of: "level: info", with: "level: debug")
                                                    .replacingOccurrences(of: "delay_ms: 0", with: "delay_ms: 4"))
            #expect(await host.waitFor("configuration reloaded", timeout: 5))
            // the host's own clock (its log line), not this test's polling, which a loaded machine delays
            let line = try #require(host.process.stderr.split(separator: "\n").first { $0.contains("configuration reloaded") })
            let logged = try #require(Self.logTime(line))
            #expect(logged.timeIntervalSince(saved) < 1.0 && logged.timeIntervalSince(saved) > -0.5, "seen within a second (\(logged.timeIntervalSince(saved)) s)")
            #expect(host.process.stderr.contains("changed log.level, plugins.ExampleC.config.delay_ms"))
            #expect(host.process.stderr.contains("DEBUG [config] reconfigured provider 'echo'"), "debug lines appear from the reload on")
        }
    }

    @Test func configSetOnTheCommandLineIsAppliedLiveAndRestartOnlySettingsAreReported() async throws {
        try await Host.with { host in
            let set = try await host.switchboard(["config", "set", "plugins.ExampleSwift.config.max_input_chars", "50"])
            #expect(set.status == 0 && set.stdout.contains("version 1"))
            #expect(await host.waitFor("configuration reloaded (version 1): changed plugins.ExampleSwift.config.max_input_chars"))
            let restart = try await host.switchboard(["config", "set", "active.tool_sources", "[]"])
            #expect(restart.status == 0 && restart.stdout.contains("needs a restart: active.tool_sources"))
            #expect(await host.waitFor("needs a restart: active.tool_sources"))
            _ = try await host.switchboard(["config", "set", "plugins.ExampleC.enabled", "false"])
            #expect(await host.waitFor("needs a restart: plugins.ExampleC.enabled"))
            _ = try await host.switchboard(["config", "set", "active.provider", "nothere"])
            #expect(await host.waitFor("needs a restart: active.provider 'nothere' (no loaded plugin offers a provider by that name; still using 'echo')"))
            // a value the plugin refuses: the instance keeps its configuration, and the log says so
            _ = try await host.switchboard(["config", "set", "plugins.ExampleC.config.delay_ms", "--", "-5"])
            #expect(await host.waitFor("provider 'echo' refused the change: delay_ms must be a whole number"))
            let reset = try await host.switchboard(["reset-config"])
            #expect(reset.status == 0 && reset.stdout.contains("removed"))
            #expect(await host.waitFor("configuration reloaded (version 0)"))
        }
    }

    @Test func serversConfigEditsStartAndStopMCPServersAndInvalidOnesAreRejected() async throws {
        let config = Self.config.replacingOccurrences(of: "active: {provider: echo, tool_sources: [example_tools]}",
                                                      with: "  MCP: {config: {connection: {max_reconnect_attempts: 1}}}\nactive: {provider: echo, tool_sources: [mcp]}")
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("servers_config.json", #"{"mcpServers": {}}"#)
        try directory.stage("MCP")
        try await Host.with(config, in: directory) { host in
            try host.saveByRename("servers_config.json", #"{"mcpServers": {"ghost": {"command": "/nonexistent/ghost-server"}}}"#)
            #expect(await host.waitFor("servers reconfigured from \(host.directory.path)/servers_config.json: started ghost"))
            #expect(await host.waitFor("configuration reloaded (version 0): changed servers_config.json"))
            try host.saveByRename("servers_config.json", #"{"mcpServers": {"ghost": {"command": 5}}}"#)
            #expect(await host.waitFor("servers_config.json:1:"))
            #expect(await host.waitFor("server 'ghost': \"command\" must be a string, found a number"))
            #expect(await host.waitFor("configuration change rejected (servers_config.json changed)"))
            try host.saveByRename("servers_config.json", #"{"mcpServers": {}}"#)
            #expect(await host.waitFor("stopped ghost"))
        }
    }

    @Test func configCommandsPrintAndRefuseClearly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.config.replacingOccurrences(of: "delay_ms: 0", with: "delay_ms: 0, api_key: sk-secret, key2: env:HOME"))
        func run(_ arguments: [String]) async throws -> Subprocess.Result {
            try await Subprocess.run(TestPaths.switchboard, arguments, directory: directory.path, environment: Self.environment)
        }
        #expect(try await run(["config", "get", "log.level"]).stdout == "info\n")
        #expect(try await run(["config", "get", "plugins.ExampleC.config.api_key"]).stdout == "<redacted>\n")
        #expect(try await run(["config", "get", "plugins.ExampleC.config.key2"]).stdout == "env:HOME\n")
        let missing = try await run(["config", "get", "log.nothing"])
        #expect(missing.status == 1 && missing.stderr.contains("log.nothing is not set"))
        let bad = try await run(["config", "set", "log.level", "loud"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("config set log.level:1:1: log.level must be one of"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/runtime.yaml"), "nothing written")
        for usage in [["config"], ["config", "set", "log.level"], ["config", "frob"], ["reset-config", "extra"]] {
            #expect(try await run(usage).status == 2, "\(usage)")
        }
        let good = try await run(["config", "set", "log.level", "warn"])
        #expect(good.status == 0 && good.stdout.contains("log.level = warn"))
        #expect(try await run(["config", "get", "log.level"]).stdout == "warn\n")
        #expect(try await run(["config", "get"]).stdout.contains("api_key: \"<redacted>\""))
        #expect(try await run(["reset-config"]).stdout.contains("removed"))
        #expect(try await run(["config", "get", "log.level"]).stdout == "info\n")
        #expect(try await run(["--help"]).stdout.contains("reset-config"))
    }
}

/// Polls `condition` every 20 ms off the cooperative pool until it holds or `timeout` passes.
func offThePoolPoll(timeout: Double, _ condition: @escaping @Sendable () -> Bool) async -> Bool {
    await offThePool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }
}
