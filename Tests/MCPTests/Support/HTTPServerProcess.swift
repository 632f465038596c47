import Foundation
import PluginTestKit
import Testing

/// A test MCP server serving Streamable HTTP on 127.0.0.1, on a free port it reports as
/// "PORT <n>" on stdout once it listens. Owned by one test, which calls `stop()`.
final class HTTPServerProcess: @unchecked Sendable {  // touched by one test task
    let process = Process()
    let url: String

    /// Starts everything_server.py with `--http` under mcp 2.x, or mcp<2 with `legacy`, and
    /// waits (off the cooperative pool) until it listens.
    static func start(legacy: Bool = false, _ arguments: [String] = []) async throws -> HTTPServerProcess {
        await slots.acquire()  // Python servers are heavy to start: a bounded number at once (stop() frees the place)
        do { return try await offThePool { Result { try HTTPServerProcess(legacy: legacy, arguments) } }.get() } catch {
            slots.release()
            throw error
        }
    }

    static let slots = FixtureSlots(2)

    private init(legacy: Bool, _ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: (legacy ? MCPTestPaths.legacyVenv : MCPTestPaths.venv) + "/python")
        process.arguments = [MCPTestPaths.servers + "/everything_server.py", "--http"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(40)
        while !text.contains("\n"), Date() < deadline, process.isRunning {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }), let port = Int(line.dropFirst(5)) else {
            process.terminate()
            throw Failure(message: "the HTTP test server did not report its port: \(text)")
        }
        url = "http://127.0.0.1:\(port)/mcp"
    }

    struct Failure: Error { let message: String }

    /// Kills the server (a test server needs no graceful stop; uvicorn's takes seconds).
    /// Idempotent; frees the place taken by `start`.
    func stop() {
        guard !stopped else { return }
        stopped = true
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        Self.slots.release()
    }

    private var stopped = false
}
