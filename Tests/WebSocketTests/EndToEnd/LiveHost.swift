import Foundation
import Host
import PluginTestKit
import Testing

/// The real thing: `switchboard run` with the SQLite store, the OpenAI provider against the mock
/// LLM, the native tools, the real `mcp-server-time` from PyPI behind the mcp tool source, and the
/// WebSocket transport on a free port. Clients are real peers (Python websockets, node ws).
final class LiveHost: @unchecked Sendable {
    let mock: MockLLM
    let process: RunningProcess
    let port: Int
    let directory: String
    var url: String { "ws://127.0.0.1:\(port)/ws/chat" }

    /// - Parameters:
    ///   - model: the provider's default model (a mock behaviour, see mock_openai.py).
    ///   - apiKeys: owner name by key; empty means every client is the one owner `local`.
    static func start(model: String, apiKeys: [String: String] = [:], chat: String = "") async throws -> LiveHost {
        let timeServer = ClientPaths.repositoryRoot + "/.venv-mcp/bin/mcp-server-time"
        try #require(FileManager.default.isExecutableFile(atPath: timeServer), "run `make test` (or `make venvs`) once to create the test virtualenvs")
        let mock = try await MockLLM.start()
        let directory = NSTemporaryDirectory() + "live-host-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try JSONValue.object(["mcpServers": .object(["time": .object(["command": .string(timeServer), "args": .array([.string("--local-timezone"), .string("UTC")])])])])
            .jsonText.write(toFile: directory + "/servers_config.json", atomically: true, encoding: .utf8)
        let keys = apiKeys.map { JSONValue.object(["key": .string($0.key), "owner": .string($0.value)]) }
        let yaml = """
            plugin_dir: \(PluginHarness.buildDirectory)
            servers_config: \(directory)/servers_config.json
            log: {level: info}
            plugins:
              SQLiteStore: {required: true, config: {db_path: \(directory)/chat.db}}
              OpenAI: {required: true, config: {base_url: "\(mock.baseURL)", api_key: test, model: \(JSONValue.string(model).jsonText), retry: {max_attempts: 1}}}
              NativeTools: {required: true}
              MCP: {required: true}
              WebSocket: {required: true, config: {port: 0, api_keys: \(JSONValue.array(keys).jsonText)}}
            chat: {system_prompt: "Be brief.", shutdown_grace: 1\(chat)}
            active: {store: sqlite, provider: openai, tool_sources: [native_tools, mcp], transports: [websocket]}
            """
        try yaml.write(toFile: directory + "/plugins.yaml", atomically: true, encoding: .utf8)
        let process = RunningProcess(PluginHarness.buildDirectory + "/switchboard", ["run", "--config", directory + "/plugins.yaml"], directory: directory)
        try process.start()
        let host = LiveHost(mock: mock, process: process, port: 0, directory: directory)
        guard await process.waitForStderr(containing: "[mcp] time: up"),
              let address = process.stderr.range(of: "listening on ws://127.0.0.1:"),
              let port = Int(process.stderr[address.upperBound...].prefix { $0.isNumber }) else {
            let log = process.stderr
            await host.stop()
            throw WebSocketTestFailure("the host did not start: \(log.suffix(800))")
        }
        return LiveHost(mock: mock, process: process, port: port, directory: directory)
    }

    /// Runs `body` against a started host and always stops it (the host, its MCP server and the
    /// mock), also when `body` throws: a host left running would outlive the test process.
    static func with(model: String, apiKeys: [String: String] = [:], chat: String = "", _ body: (LiveHost) async throws -> Void) async throws {
        let host = try await start(model: model, apiKeys: apiKeys, chat: chat)
        do { try await body(host) } catch {
            await host.stop()
            throw error
        }
        await host.stop()
    }

    private init(mock: MockLLM, process: RunningProcess, port: Int, directory: String) {
        (self.mock, self.process, self.port, self.directory) = (mock, process, port, directory)
    }

    /// SIGTERM, then the mock; the folder goes too.
    func stop() async {
        process.signal(SIGTERM)
        if await process.waitForExit(timeout: 15) == nil { process.signal(SIGKILL); _ = await process.waitForExit(timeout: 5) }
        mock.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
