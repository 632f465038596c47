import Foundation
import Host
import PluginTestKit
import Testing

/// `switchboard run` with the SQLite store, the C "echo" provider (its `delay_ms` paces the
/// stream) and the WebSocket transport (HTTP API on) on a free port. Starts in a fraction of a
/// second; `restart` runs a new process on the same database.
final class HTTPHost: @unchecked Sendable {  // `process` is replaced only by the test that owns it
    let directory: String
    let transport: String
    let delayMs: Int
    private(set) var process: RunningProcess
    private(set) var port = 0
    var base: String { "http://127.0.0.1:\(port)" }

    static let adminToken = "admin-secret-1"
    static let keys = ["key-alice": "alice", "key-bob": "bob"]

    /// - Parameter transport: extra YAML entries for the WebSocket config block (`, key: value`).
    static func start(delayMs: Int = 0, transport: String = "") async throws -> HTTPHost {
        let directory = NSTemporaryDirectory() + "http-host-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let host = HTTPHost(directory: directory, transport: transport, delayMs: delayMs)
        try await host.launch()
        return host
    }

    /// Runs `body` against a started host and always stops it, also when `body` throws.
    static func with(delayMs: Int = 0, transport: String = "", _ body: (HTTPHost) async throws -> Void) async throws {
        let host = try await start(delayMs: delayMs, transport: transport)
        do { try await body(host) } catch {
            await host.stop()
            throw error
        }
        await host.stop()
    }

    private init(directory: String, transport: String, delayMs: Int) {
        (self.directory, self.transport, self.delayMs) = (directory, transport, delayMs)
        process = RunningProcess("/bin/true", [])
    }

    private func launch() async throws {
        let keys = Self.keys.sorted { $0.key < $1.key }.map { "{key: \($0.key), owner: \($0.value)}" }.joined(separator: ", ")
        let yaml = """
            plugin_dir: \(PluginHarness.buildDirectory)
            runtime_overrides: runtime.yaml
            log: {level: info}
            plugins:
              SQLiteStore: {required: true, config: {db_path: \(directory)/chat.db}}
              ExampleC: {required: true, config: {delay_ms: \(delayMs)}}
              WebSocket: {required: true, config: {port: 0, shutdown_grace: 0.5, admin_token: env:SB_TEST_ADMIN_TOKEN, api_keys: [\(keys)]\(transport)}}
            chat: {system_prompt: "Be brief.", shutdown_grace: 0.3}
            active: {store: sqlite, provider: echo, tool_sources: [], transports: [websocket]}
            """
        try yaml.write(toFile: directory + "/plugins.yaml", atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["SB_TEST_ADMIN_TOKEN"] = Self.adminToken
        process = RunningProcess(PluginHarness.buildDirectory + "/switchboard", ["run", "--config", directory + "/plugins.yaml"],
                                 directory: directory, environment: environment)
        try process.start()
        guard await process.waitForStderr(containing: "listening on ws://127.0.0.1:", timeout: 20),
              let address = process.stderr.range(of: "listening on ws://127.0.0.1:"),
              let port = Int(process.stderr[address.upperBound...].prefix { $0.isNumber }) else {
            let log = process.stderr
            process.signal(SIGKILL)
            throw WebSocketTestFailure("the host did not start: \(log.suffix(800))")
        }
        self.port = port
    }

    /// SIGTERM; returns the exit status (nil: it had to be killed).
    @discardableResult
    func terminate() async -> Int32? {
        process.signal(SIGTERM)
        if let status = await process.waitForExit(timeout: 15) { return status }
        process.signal(SIGKILL)
        _ = await process.waitForExit(timeout: 5)
        return nil
    }

    /// Stops this process and starts another on the same database and config.
    func restart() async throws {
        await terminate()
        try await launch()
    }

    /// Stops the process and removes the folder.
    func stop() async {
        await terminate()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// curl against this host: `path` (with query), extra curl arguments before the URL.
    func curl(_ path: String, _ arguments: [String] = [], key: String? = "key-alice", timeout: Double = 15) async throws -> CurlResponse {
        let auth = key.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        return try await CurlResponse.run(auth + arguments + [base + path], timeout: timeout)
    }

    func post(_ path: String, _ body: String, _ arguments: [String] = [], key: String? = "key-alice") async throws -> CurlResponse {
        try await curl(path, ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", body] + arguments, key: key)
    }
}
