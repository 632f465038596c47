import Foundation
import FoundationNetworking
import Host

/// The mock OpenAI-compatible server (Tests/MockLLM/mock_openai.py) on a free 127.0.0.1 port.
public final class MockLLM: @unchecked Sendable {
    public let process: Process
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().path + "/MockLLM/mock_openai.py"

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// Starts a mock and waits until it reports its port. The process is launched on the
    /// caller's thread (Foundation's child monitoring must not belong to a thread that ends);
    /// only the blocking read waits off the cooperative pool (see `offThePool`).
    public static func start() async throws -> MockLLM {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, "--port", "0"]
        let output = Pipe()
        process.standardOutput = output
        // Its own stderr: an inherited one would keep `swift test`'s pipe open if a mock outlived a test.
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = await offThePool {
            var line = ""
            for _ in 0..<100 where !line.contains("\n") {  // bounded: the first line, "PORT <n>"
                let data = output.fileHandleForReading.availableData
                if data.isEmpty { break }
                line += String(decoding: data, as: UTF8.self)
            }
            return line
        }
        guard line.hasPrefix("PORT "), let port = Int(line.dropFirst(5).prefix { $0.isNumber }) else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ComponentError(status: -1, message: "the mock did not report its port: \(line)")
        }
        return MockLLM(process: process, port: port)
    }

    /// What the mock received: each request's headers and body.
    public func requests() async throws -> [JSONValue] {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/_requests")!)
        guard case .array(let items) = try JSONValue.parse(String(decoding: data, as: UTF8.self)) else { return [] }
        return items
    }

    /// Kills the mock (SIGKILL: nothing to flush) and reaps it.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

