import Foundation
import Glibc
import Host
import PluginTestKit
import Synchronization
import Testing

/// Where the test servers and the virtualenvs `make test` creates are.
enum MCPTestPaths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let servers = repositoryRoot + "/Tests/MCPTests/Servers"
    /// mcp 2.x (dual-era servers), mcp-server-time, mcp-server-git.
    static let venv = repositoryRoot + "/.venv-mcp/bin"
    /// mcp<2: handshake-only servers.
    static let legacyVenv = repositoryRoot + "/.venv-mcp1/bin"
    /// The system Python, for the SDK-free misbehaving server.
    static let python = "/usr/bin/python3"

    /// Fails at once, saying what to run, when `make test` has not created the virtualenvs
    /// (rather than waiting for servers that can never start).
    static func requireVirtualenvs(for commands: [String], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        for command in commands where command.hasPrefix(repositoryRoot + "/.venv") && !FileManager.default.isExecutableFile(atPath: command) {
            Issue.record("\(command) is missing: run `make test` (or `make venvs`) once to create the MCP test virtualenvs",
                         sourceLocation: sourceLocation)
            throw MissingVirtualenv()
        }
    }

    struct MissingVirtualenv: Error {}
}

/// One entry of servers_config.json.
struct ServerEntry {
    var name: String
    var fields: [String: JSONValue]

    static func stdio(_ name: String, _ command: String, _ args: [String], env: [String: String] = [:]) -> ServerEntry {
        ServerEntry(name: name, fields: ["command": .string(command), "args": .array(args.map(JSONValue.string)),
                                         "env": .object(env.mapValues(JSONValue.string))])
    }

    /// The SDK test server: mcp 2.x (dual-era) or, with `legacy`, mcp<2 (handshake only).
    static func everything(_ name: String, legacy: Bool = false, _ args: [String] = []) -> ServerEntry {
        stdio(name, (legacy ? MCPTestPaths.legacyVenv : MCPTestPaths.venv) + "/python",
              [MCPTestPaths.servers + "/everything_server.py", "--name", name] + args)
    }

    static func misbehaving(_ name: String, _ args: [String] = [], env: [String: String] = [:]) -> ServerEntry {
        stdio(name, MCPTestPaths.python, [MCPTestPaths.servers + "/misbehaving_server.py"] + args, env: env)
    }

    static func http(_ name: String, _ url: String) -> ServerEntry {
        ServerEntry(name: name, fields: ["url": .string(url)])
    }

    func with(_ key: String, _ value: JSONValue) -> ServerEntry {
        var copy = self
        copy.fields[key] = value
        return copy
    }
}

/// The MCP plugin with its own servers_config.json in a fresh folder, driven through the ABI.
/// Each fixture marks its servers' environment, so `finish()` can prove that none of its
/// processes (or their children) outlived `destroy()`, and that every pid it saw was reaped.
final class MCPFixture: Sendable {
    let directory: String
    let harness: PluginHarness
    let marker: String
    /// How long the plugin's create() took.
    let creationSeconds: Double
    /// The config block the plugin was created with.
    let config: JSONValue
    private let seenPIDs = Mutex<Set<Int32>>([])

    /// Fast test defaults; `settings` entries replace top-level keys of the config block.
    /// Waits for one of `FixtureSlots`' places first: Python servers are slow to start, and the
    /// machine has 2 cores, so only a few fixtures run at once (finish() frees the place).
    convenience init(_ servers: [ServerEntry], settings: [String: JSONValue] = [:], connection: [String: JSONValue] = [:]) async throws {
        try MCPTestPaths.requireVirtualenvs(for: servers.compactMap { $0.fields["command"]?.stringValue })
        await FixtureSlots.shared.acquire()
        do { try self.init(servers: servers, settings: settings, connection: connection) } catch {
            FixtureSlots.shared.release()
            throw error
        }
    }

    private init(servers: [ServerEntry], settings: [String: JSONValue], connection: [String: JSONValue]) throws {
        let marker = "sb-test-" + UUID().uuidString
        self.marker = marker
        directory = NSTemporaryDirectory() + "mcp-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/servers_config.json"
        try Self.writeServers(servers, to: path, marker: marker)
        var config: [String: JSONValue] = [
            "servers_config": .string(path), "shutdown_grace": .double(1),
            "connection": .object([
                "connection_timeout": .double(30), "initial_reconnect_delay": .double(0.2), "max_reconnect_delay": .double(1),
                "max_reconnect_attempts": .int(5), "ping_interval": .double(0), "ping_timeout": .double(2),
            ].merging(connection) { $1 }),
        ]
        config.merge(settings) { $1 }
        self.config = .object(config)
        let started = Date()
        harness = try PluginHarness(plugin: "MCP", component: "mcp", config: .object(config))
        creationSeconds = Date().timeIntervalSince(started)
    }

    /// Writes servers_config.json, each stdio server's environment carrying the fixture's marker.
    private static func writeServers(_ servers: [ServerEntry], to path: String, marker: String) throws {
        var entries: [String: JSONValue] = [:]
        for server in servers {
            var fields = server.fields
            if fields["command"] != nil {
                var env: [String: JSONValue] = [:]
                if case .object(let members)? = fields["env"] { env = members }
                env["SB_TEST_MARKER"] = .string(marker)
                fields["env"] = .object(env)
            }
            entries[server.name] = .object(fields)
        }
        try JSONValue.object(["mcpServers": .object(entries)]).jsonText.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Rewrites servers_config.json and reconfigures the plugin with its unchanged block, as the
    /// host does when the file changes (off the cooperative pool: stopping servers blocks).
    func replaceServers(_ servers: [ServerEntry]) async throws {
        try Self.writeServers(servers, to: directory + "/servers_config.json", marker: marker)
        let (instance, config) = (harness.instance, config)
        let result: Result<Void, ComponentError> = await offThePool { Result { () throws(ComponentError) in try instance.reconfigure(config) } }
        try result.get()
    }

    // MARK: ops

    func status() async throws -> JSONValue {
        let status = try await harness.call("status")
        seenPIDs.withLock { pids in
            for server in status["servers"]?.items ?? [] { if let pid = server["pid"]?.numberValue { pids.insert(Int32(pid)) } }
        }
        return status
    }

    func server(_ name: String) async throws -> JSONValue {
        try #require(try await status()["servers"]?.items.first { $0["name"]?.stringValue == name })
    }

    func list() async throws -> JSONValue { try await harness.call("list") }

    /// call_tool's DONE data.
    func call(_ tool: String, _ arguments: [String: JSONValue] = [:], timeout: Double? = nil) async throws -> JSONValue {
        var request: [String: JSONValue] = ["name": .string(tool), "arguments": .object(arguments)]
        if let timeout { request["timeout"] = .double(timeout) }
        return try await harness.call("call_tool", .object(request))
    }

    func toolNames() async throws -> [String] {
        try await list()["tools"]?.items.compactMap { $0["name"]?.stringValue } ?? []
    }

    // MARK: waiting

    /// Polls the status until `condition` holds; fails the test (with the status and the log)
    /// after `seconds`.
    @discardableResult
    func waitFor(_ what: String, seconds: Double = 40, _ condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = Date().addingTimeInterval(seconds)
        var last = JSONValue.null
        while Date() < deadline {
            last = try await status()
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = harness.logLines.suffix(40).joined()
        Issue.record("timed out after \(seconds) s waiting for \(what); status: \(last.jsonText)\nlog:\n\(log)")
        throw FixtureTimeout(what: what)
    }

    struct FixtureTimeout: Error { let what: String }

    func state(of name: String, in status: JSONValue) -> String? {
        status["servers"]?.items.first { $0["name"]?.stringValue == name }?["state"]?.stringValue
    }

    /// Waits until every named server is up.
    func waitUp(_ names: String...) async throws {
        try await waitFor("\(names.joined(separator: ", ")) up") { status in names.allSatisfy { state(of: $0, in: status) == "up" } }
    }

    func logContains(_ text: String) -> Bool { harness.logLines.contains { $0.contains(text) } }

    /// Waits (bounded) for a log line containing `text`.
    func waitForLog(_ text: String, seconds: Double = 20) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !logContains(text) {
            guard Date() < deadline else {
                Issue.record("no log line containing '\(text)' within \(seconds) s; log:\n\(harness.logLines.suffix(40).joined())")
                throw FixtureTimeout(what: text)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func notePID(_ pid: Int32) { seenPIDs.withLock { _ = $0.insert(pid) } }

    // MARK: scope and teardown

    /// Runs `body` with a fixture and always finishes it (async cleanup, which `defer` cannot do).
    static func with<T>(_ servers: [ServerEntry], settings: [String: JSONValue] = [:], connection: [String: JSONValue] = [:],
                        sourceLocation: Testing.SourceLocation = #_sourceLocation,
                        _ body: (MCPFixture) async throws -> T) async throws -> T {
        let fixture = try await MCPFixture(servers, settings: settings, connection: connection)
        do {
            let result = try await body(fixture)
            await fixture.finish(sourceLocation: sourceLocation)
            return result
        } catch {
            await fixture.finish(sourceLocation: sourceLocation)
            throw error
        }
    }

    private let finished = Mutex(false)

    /// Destroys the plugin (off the cooperative thread pool: the stop sequence blocks), then
    /// checks that nothing it started is left: no process carries this fixture's marker, and
    /// every pid it reported has been reaped (not even a zombie). Idempotent.
    func finish(sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
        guard !finished.withLock({ done in defer { done = true }; return done }) else { return }
        let harness = self.harness
        await offThePool { harness.destroy() }
        #expect(ProcessCheck.processes(withMarker: marker).isEmpty, "processes left after destroy", sourceLocation: sourceLocation)
        for pid in seenPIDs.withLock({ $0 }) {
            #expect(!ProcessCheck.exists(pid), "pid \(pid) still exists (zombie or running) after destroy", sourceLocation: sourceLocation)
        }
        try? FileManager.default.removeItem(atPath: directory)
        FixtureSlots.shared.release()
    }
}

/// At most `MCP_TEST_PARALLELISM` (default 3) fixtures at once.
enum FixtureSlots {
    static let shared = TestSlots(Int(ProcessInfo.processInfo.environment["MCP_TEST_PARALLELISM"] ?? "") ?? 3)
}

/// Looks at processes through /proc.
enum ProcessCheck {
    /// True while `pid` exists, as a running process or as an unreaped zombie.
    static func exists(_ pid: Int32) -> Bool { kill(pid, 0) == 0 || errno == EPERM }

    /// Pids of live processes whose environment contains `SB_TEST_MARKER=<marker>`.
    static func processes(withMarker marker: String) -> [Int32] {
        let needle = Array("SB_TEST_MARKER=\(marker)".utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry -> Int32? in
            guard let pid = Int32(entry), let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ") else { return nil }
            let variables = environ.split(separator: 0)
            return variables.contains { Array($0) == needle } ? pid : nil
        }
    }
}
