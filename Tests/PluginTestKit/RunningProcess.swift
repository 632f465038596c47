import Foundation
import Synchronization

/// A child process whose output is collected as it arrives, so a test can wait for a log line.
public final class RunningProcess: @unchecked Sendable {
    private let process = Process()
    private let output = Mutex<(stdout: String, stderr: String)>(("", ""))

    public init(_ program: String, _ arguments: [String], directory: String? = nil, environment: [String: String]? = nil) {
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
    }

    public func start() throws {
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [self] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.withLock { $0.stdout += text }
        }
        err.fileHandleForReading.readabilityHandler = { [self] handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            output.withLock { $0.stderr += text }
        }
        try process.run()
    }

    public var stdout: String { output.withLock { $0.stdout } }
    public var stderr: String { output.withLock { $0.stderr } }

    /// Polls (bounded) until `text` appears on stderr; false on timeout or exit. Waits off the
    /// cooperative pool (see `offThePool`).
    public func waitForStderr(containing text: String, timeout: Double = 30) async -> Bool {
        await offThePool { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if stderr.contains(text) { return true }
                if !process.isRunning { return stderr.contains(text) }
                usleep(20_000)
            }
            return false
        }
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// The exit status (or 128 + signal), or nil if still running after `timeout`.
    public func waitForExit(timeout: Double = 30) async -> Int32? {
        await offThePool { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            guard !process.isRunning else { return nil }
            usleep(50_000)  // let the readability handlers drain the pipes
            return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        }
    }
}

