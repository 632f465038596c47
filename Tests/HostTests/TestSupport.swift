import Foundation
import PluginTestKit
import Synchronization
@testable import Host

/// Where the repository and the build products are.
enum TestPaths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The folder holding `switchboard` and the plugin .so files of this build.
    static let buildDirectory: String = {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        if directory.lastPathComponent.hasSuffix(".xctest") { directory.deleteLastPathComponent() }  // bundle layout
        if FileManager.default.fileExists(atPath: directory.path + "/switchboard") { return directory.path }
        return repositoryRoot + "/.build/debug"
    }()

    static let switchboard = buildDirectory + "/switchboard"
    static let headerDirectory = repositoryRoot + "/Sources/PluginABI/include"

    static func builtPlugin(_ name: String) -> String { buildDirectory + "/lib\(name).so" }
}

/// A fresh folder under /tmp, removed by `remove()` (call it in `defer`).
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "switchboard-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Copies a plugin built by this package into `folder` (default: plugins/).
    func stage(_ plugin: String, in folder: String = "plugins") throws {
        try FileManager.default.createDirectory(atPath: path + "/" + folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPaths.builtPlugin(plugin), toPath: path + "/\(folder)/lib\(plugin).so")
    }
}

/// Compiles Tests/Fixtures/fixture_plugin.c with `cc` against the ABI header, as an integrator
/// would build a C plugin out of tree.
enum FixturePlugin {
    /// - Parameter defines: `-D` values, e.g. `["FIXTURE_MAJOR": "2"]`; strings must carry their quotes.
    @discardableResult
    static func compile(to path: String, defines: [String: String] = [:]) async throws -> String {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let flags = defines.sorted { $0.key < $1.key }.map { "-D\($0.key)=\($0.value)" }
        let result = try await Subprocess.run("/usr/bin/cc", ["-shared", "-fPIC", "-fvisibility=hidden", "-Wl,--no-undefined",
                                                        "-I", TestPaths.headerDirectory] + flags
                                                        + ["-o", path, TestPaths.repositoryRoot + "/Tests/Fixtures/fixture_plugin.c"])
        guard result.status == 0 else { throw FixtureError(message: "cc failed: \(result.stderr)") }
        return path
    }

    struct FixtureError: Error { let message: String }
}

/// Runs a program to completion, with a time limit.
enum Subprocess {
    struct Result { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ program: String, _ arguments: [String], directory: String? = nil,
                    environment: [String: String]? = nil, timeout: Double = 60) async throws -> Result {
        let process = RunningProcess(program, arguments, directory: directory, environment: environment)
        try process.start()
        var status = await process.waitForExit(timeout: timeout)
        if status == nil {
            process.signal(SIGKILL)
            status = await process.waitForExit(timeout: 5)
        }
        return Result(status: status ?? -1, stdout: process.stdout, stderr: process.stderr)
    }
}

/// A logger that keeps its lines for assertions.
final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined() } }
    func makeLogger(level: LogLevel = .debug) -> Logger { Logger(level: level) { [self] line in lines.withLock { $0.append(line) } } }
}
