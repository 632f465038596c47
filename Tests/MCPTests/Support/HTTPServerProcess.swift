import Foundation
import PluginTestKit
import Testing

/// A test MCP server serving Streamable HTTP on 127.0.0.1, on a free port it reports as
/// "PORT <n>" on stdout once it listens. Owned by one test, which calls `stop()`.
final class HTTPServerProcess: @unchecked Sendable {  // touched by one test task
    let process: Process
    let url: String

    /// Starts everything_server.py with `--http` under mcp 2.x, or mcp<2 with `legacy`, and
    /// waits until it listens. The process is launched on the caller's thread (Foundation's child
    /// monitoring must not belong to a thread that ends); only the blocking read leaves the pool.
    static func start(legacy: Bool = false, _ arguments: [String] = []) async throws -> HTTPServerProcess {
        try MCPTestPaths.requireVirtualenvs(for: [(legacy ? MCPTestPaths.legacyVenv : MCPTestPaths.venv) + "/python"])
        await slots.acquire()  // Python servers are heavy to start: a bounded number at once (stop() frees the place)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (legacy ? MCPTestPaths.legacyVenv : MCPTestPaths.venv) + "/python")
        process.arguments = [MCPTestPaths.servers + "/everything_server.py", "--http"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            slots.release()
            throw error
        }
        let text = await offThePool {
            var text = ""
            let deadline = Date().addingTimeInterval(40)
            while !text.contains("\n"), Date() < deadline, process.isRunning {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                text += String(decoding: chunk, as: UTF8.self)
            }
            return text
        }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }), let port = Int(line.dropFirst(5)) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            slots.release()
            throw Failure(message: "the HTTP test server did not report its port: \(text)")
        }
        return HTTPServerProcess(process: process, url: "http://127.0.0.1:\(port)/mcp")
    }

    static let slots = TestSlots(2)

    private init(process: Process, url: String) {
        self.process = process
        self.url = url
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
