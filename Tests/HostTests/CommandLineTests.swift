import Foundation
import PluginTestKit
import Testing
@testable import Host

/// The `switchboard` executable, run as an operator would run it.
@Suite struct CommandLineTests {
    static let environment = ["PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory(), "LANG": "C.UTF-8"]

    func switchboard(_ arguments: [String], in directory: TemporaryDirectory) async throws -> Subprocess.Result {
        try await Subprocess.run(TestPaths.switchboard, arguments, directory: directory.path, environment: Self.environment)
    }

    func startHost(_ arguments: [String], in directory: TemporaryDirectory) throws -> RunningProcess {
        let host = RunningProcess(TestPaths.switchboard, ["run"] + arguments, directory: directory.path, environment: Self.environment)
        try host.start()
        return host
    }

    static let twoPlugins = """
        plugin_dir: plugins
        plugins:
          ExampleC: {required: true}
          ExampleSwift: {}
        active: {provider: echo, tool_sources: [example_tools]}
        """

    @Test func checkAcceptsAValidConfiguration() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.stage("ExampleSwift")
        try directory.write("plugins.yaml", Self.twoPlugins)
        try directory.write("servers_config.json", #"{"mcpServers": {"time": {"command": "mcp-server-time"}}}"#)
        let result = try await switchboard(["check"], in: directory)
        #expect(result.status == 0)
        #expect(result.stdout.contains("plugins.yaml: ok, 2 plugin(s) enabled"))
        #expect(result.stdout.contains("servers_config.json: ok, 1 server(s)"))
    }

    @Test func checkReportsYAMLSyntaxErrorsAsFileLineColumn() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", "plugins:\n  ExampleC: {required: true\nactive: {}\n")
        let result = try await switchboard(["check"], in: directory)
        #expect(result.status == 1)
        let first = try #require(result.stderr.split(separator: "\n").first)
        #expect(first.hasPrefix("plugins.yaml:3:"))
        #expect(first.contains("YAML syntax error"))
    }

    @Test func checkListsEveryProblemInBothFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.write("plugins.yaml", """
            plugins:
              ExampleC:
                config: {api_key: env:SB_TEST_NOT_SET}
              Missing: {}
            """)
        try directory.write("servers_config.json", "{\"mcpServers\": {\"t\": {\"command\": [\"x\"]}}}")
        let result = try await switchboard(["check"], in: directory)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("plugins.yaml:3:23: environment variable SB_TEST_NOT_SET is not set (the value is written env:SB_TEST_NOT_SET)"))
        #expect(lines.contains { $0.hasPrefix("plugins.yaml:4:3: plugin 'Missing' is not in plugin_dir") })
        #expect(lines.contains { $0.hasSuffix("servers_config.json:1:34: server 't': \"command\" must be a string, found a list") })
        #expect(lines.last == "3 problem(s) found")
    }

    @Test func pluginsTableShowsEverySharedLibraryWithStatusOrExactError() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.stage("ExampleSwift")
        try directory.write("plugins/libBroken.so", "not a library")
        try await FixturePlugin.compile(to: directory.path + "/plugins/libFuture.so", defines: ["FIXTURE_NAME": "\"Future\"", "FIXTURE_MAJOR": "2"])
        try directory.write("plugins.yaml", Self.twoPlugins)
        let result = try await switchboard(["plugins"], in: directory)
        #expect(result.status == 0)
        let rows = result.stdout.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix("FILE") && $0.contains("COMPONENTS") && $0.contains("STATUS") })
        let example = try #require(rows.first { $0.hasPrefix("libExampleC.so") })
        #expect(example.contains("ExampleC") && example.contains("1.0.0") && example.contains("echo (provider)") && example.contains("required") && example.hasSuffix("ok"))
        #expect(rows.contains { $0.hasPrefix("libExampleSwift.so") && $0.contains("example_tools (tool_source)") })
        #expect(rows.contains { $0.hasPrefix("libBroken.so") && $0.contains("not configured") && $0.contains("error: not a loadable shared library") })
        #expect(rows.contains { $0.hasPrefix("libFuture.so") && $0.contains("error: ABI major version mismatch: plugin built for ABI 2.0, host implements ABI 1.0") })
    }

    @Test func runShutsDownInReverseOrderOnSIGTERMAndExitsZero() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.stage("ExampleSwift")
        try directory.write("plugins.yaml", Self.twoPlugins)
        let host = try startHost([], in: directory)
        #expect(await host.waitForStderr(containing: "ready: 2 plugins loaded, 2 components created"))
        host.signal(SIGTERM)
        #expect(await host.waitForExit() == 0)
        let log = host.stderr
        #expect(log.contains("received SIGTERM: no new requests"))
        let created = try #require(log.range(of: "created tool_source 'example_tools'")?.lowerBound)
        let createdEcho = try #require(log.range(of: "created provider 'echo'")?.lowerBound)
        let destroyedEcho = try #require(log.range(of: "destroyed provider 'echo'")?.lowerBound)
        let destroyedTools = try #require(log.range(of: "destroyed tool_source 'example_tools'")?.lowerBound)
        #expect(created < createdEcho && createdEcho < destroyedEcho && destroyedEcho < destroyedTools)
    }

    @Test func runStopsOnSIGINTToo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.write("plugins.yaml", "plugins:\n  ExampleC: {}\nactive: {provider: echo}\n")
        let host = try startHost([], in: directory)
        #expect(await host.waitForStderr(containing: "ready:"))
        host.signal(SIGINT)
        #expect(await host.waitForExit() == 0)
        #expect(host.stderr.contains("received SIGINT"))
    }

    @Test func requiredPluginFailureStopsRunWithOneClearLine() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.write("plugins.yaml", Self.twoPlugins)  // ExampleSwift is optional and absent
        let result = try await switchboard(["run", "--set", "plugins.ExampleC.config.delay_ms=-1"], in: directory)
        #expect(result.status == 1)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("switchboard:") }
        #expect(errors == ["switchboard: required provider 'echo' of plugin 'ExampleC' failed to start: delay_ms must be a whole number of milliseconds from 0 to 60000"])
    }

    @Test func optionalPluginFailureIsAWarningAndTheHostKeepsRunning() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.write("plugins/libExampleSwift.so", "corrupt")
        try directory.write("plugins.yaml", Self.twoPlugins)
        let host = try startHost([], in: directory)
        #expect(await host.waitForStderr(containing: "ready: 1 plugins loaded, 1 components created"))
        #expect(host.stderr.contains("WARN  [host] skipping optional plugin 'ExampleSwift': libExampleSwift.so: not a loadable shared library"))
        host.signal(SIGTERM)
        #expect(await host.waitForExit() == 0)
    }

    @Test func configFileAndSetOverridesApplyToEveryCommand() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC", in: "elsewhere")
        try directory.write("conf/custom.yaml", "plugin_dir: ../plugins\nplugins:\n  ExampleC: {}\n")
        let moved = try await switchboard(["plugins", "--config", "conf/custom.yaml", "--set", "plugin_dir=../elsewhere"], in: directory)
        #expect(moved.status == 0)
        #expect(moved.stdout.contains("plugin_dir: \(directory.path)/elsewhere"))
        #expect(moved.stdout.contains("libExampleC.so"))
    }

    @Test func versionPrintsTheABIAndTheToolchainFingerprintPluginsMustMatch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try await switchboard(["version"], in: directory)
        #expect(result.status == 0)
        #expect(result.stdout.contains("plugin ABI 1.0"))
        let swiftPlugin = try PluginLoader.load(path: TestPaths.builtPlugin("ExampleSwift"), services: HostServices(logger: Logger(level: .error))).get()
        #expect(result.stdout.contains("toolchain \(try #require(swiftPlugin.toolchain))"))
    }

    @Test func usageErrorsExitTwo() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let unknown = try await switchboard(["frobnicate"], in: directory)
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown command 'frobnicate'"))
        let badSet = try await switchboard(["check", "--set", "novalue"], in: directory)
        #expect(badSet.status == 2 && badSet.stderr.contains("expected key.path=value"))
        let missingConfig = try await switchboard(["run", "--config", "absent.yaml"], in: directory)
        #expect(missingConfig.status == 2 && missingConfig.stderr.contains("absent.yaml:1:1: cannot read the configuration file"))
    }
}
