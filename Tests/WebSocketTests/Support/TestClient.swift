import Foundation
import Host
import PluginTestKit
import Testing

/// Where the client scripts and the virtualenv `make test` creates are.
enum ClientPaths {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let clients = repositoryRoot + "/Tests/WebSocketTests/Clients"
    /// The pinned `websockets` client (Tests/WebSocketTests/Clients/requirements.txt).
    static let python = repositoryRoot + "/.venv-ws/bin/python"
    static let systemPython = "/usr/bin/python3"
    static let node = "/usr/bin/node"
}

/// A test client process: Python `websockets` (ws_client.py), node `ws` (ws_client.js) or the
/// bare-socket client (raw_client.py). It prints one JSON line per event.
///
/// Processes are launched on the caller's thread (Foundation's child monitoring must not belong
/// to a thread that ends); reading their output and reaping them happens off the cooperative
/// pool (`offThePool`). A watchdog kills a client with SIGKILL after its time limit (Foundation's
/// children inherit a blocked signal mask, so SIGTERM may not reach them).
final class TestClient: @unchecked Sendable {  // owned by one test task
    enum Kind { case python, node, raw }

    let process: Process
    private let output = Pipe()
    private let errorFile: URL

    private init(executable: String, arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardOutput = output
        errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("ws-client-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
    }

    /// Starts a scripted client against `url` (see ws_client.py for the script language).
    static func start(_ kind: Kind, _ url: String, _ script: JSONValue) throws -> TestClient {
        switch kind {
        case .python:
            guard FileManager.default.isExecutableFile(atPath: ClientPaths.python) else {
                Issue.record("\(ClientPaths.python) is missing: run `make test` (or `make venvs`) once to create the test virtualenvs")
                throw WebSocketTestFailure("no .venv-ws")
            }
            return try TestClient(executable: ClientPaths.python, arguments: [ClientPaths.clients + "/ws_client.py", url, script.jsonText])
        case .node:
            return try TestClient(executable: ClientPaths.node, arguments: [ClientPaths.clients + "/ws_client.js", url, script.jsonText],
                                  environment: ["NODE_PATH": "/usr/share/nodejs"])
        case .raw:
            throw WebSocketTestFailure("use raw(_:)")
        }
    }

    /// Runs a scripted client to its end and returns its events.
    static func run(_ url: String, _ steps: [JSONValue], kind: Kind = .python, connect: JSONValue? = nil,
                    timeout: Double = 30) async throws -> ClientTranscript {
        var script: [String: JSONValue] = ["steps": .array(steps)]
        if let connect { script["connect"] = connect }
        return try await start(kind, url, .object(script)).finish(timeout: timeout)
    }

    /// Runs raw_client.py with `arguments` (after HOST PORT PATH) and returns its report.
    static func raw(port: Int, path: String = "/ws/chat", _ arguments: [String], timeout: Double = 40) async throws -> JSONValue {
        let client = try TestClient(executable: ClientPaths.systemPython,
                                    arguments: [ClientPaths.clients + "/raw_client.py", "127.0.0.1", String(port), path] + arguments)
        let transcript = try await client.finish(timeout: timeout)
        guard let report = transcript.events.last else { throw WebSocketTestFailure("raw client printed nothing: \(transcript.errors)") }
        return report
    }

    /// Waits for the client to exit (killing it after `timeout` seconds) and parses its output.
    func finish(timeout: Double = 30) async throws -> ClientTranscript {
        let process = self.process
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { if process.isRunning { kill(pid, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let reader = output.fileHandleForReading
        let errorFile = self.errorFile
        // Reading, reaping and parsing all happen off the cooperative pool, which other suites' tasks need.
        let (events, bad, errors) = await offThePool { () -> ([JSONValue], String?, String) in
            let data = reader.readDataToEndOfFile()
            process.waitUntilExit()
            let errors = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: errorFile)
            var events: [JSONValue] = []
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let event = try? JSONValue.parse(line) else { return (events, String(line), errors) }
                events.append(event)
            }
            return (events, nil, errors)
        }
        watchdog.cancel()
        if let bad { throw WebSocketTestFailure("client printed \(bad); stderr: \(errors)") }
        return ClientTranscript(events: events, errors: errors, exitStatus: process.terminationStatus)
    }

    /// Kills the client at once (a network drop without a close frame) and reaps it.
    func killNow() async {
        kill(process.processIdentifier, SIGKILL)
        _ = try? await finish(timeout: 5)
    }
}

/// What a client printed.
struct ClientTranscript: Sendable {
    let events: [JSONValue]
    let errors: String
    let exitStatus: Int32

    /// Every frame received, in order.
    var frames: [JSONValue] { events.compactMap { $0["frame"] } }
    /// The close the client saw: code and reason.
    var closed: (code: Int64, reason: String)? {
        guard let closed = events.lazy.compactMap({ $0["closed"] }).first, case .int(let code)? = closed["code"] else { return nil }
        return (code, closed["reason"]?.stringValue ?? "")
    }
    /// The HTTP status of a refused upgrade.
    var refusedStatus: Int64? {
        if case .int(let status)? = events.lazy.compactMap({ $0["connect_failed"] }).first?["status"] { return status }
        return nil
    }
    var timedOut: Bool { events.contains { $0["timeout"] != nil } }
    var finished: Bool { events.last?["done"] == .bool(true) }

    /// Frames of one request.
    func frames(request requestId: String) -> [JSONValue] { frames.filter { $0["request_id"] == .string(requestId) } }
    /// The action dialect's statuses (or the type dialect's types) of a request's frames.
    func statuses(_ requestId: String, key: String = "status") -> [String] { frames(request: requestId).compactMap { $0[key]?.stringValue } }
}

extension JSONValue {
    /// Shorthand for building test frames.
    static func frame(_ members: [String: JSONValue]) -> JSONValue { .object(members) }
    var intValue: Int64? { if case .int(let number) = self { return number } else { return nil } }
}

/// A step of a client script.
enum Step {
    static func send(_ value: JSONValue) -> JSONValue { .object(["send": value]) }
    static func sendText(_ text: String) -> JSONValue { .object(["send_text": .string(text)]) }
    static func recv(_ count: Int, timeout: Double = 10) -> JSONValue { .object(["recv": .int(Int64(count)), "timeout": .double(timeout)]) }
    static func recvUntil(_ pattern: [String: JSONValue], count: Int = 1, timeout: Double = 10) -> JSONValue {
        .object(["recv_until": .object(pattern), "count": .int(Int64(count)), "timeout": .double(timeout)])
    }
    static func sleep(_ seconds: Double) -> JSONValue { .object(["sleep": .double(seconds)]) }
    static func close(_ code: Int = 1000) -> JSONValue { .object(["close": .int(Int64(code))]) }
    static func waitClosed(_ seconds: Double = 10) -> JSONValue { .object(["wait_closed": .double(seconds)]) }

    /// An action-dialect request.
    static func action(_ action: String, _ requestId: String, _ payload: [String: JSONValue] = [:]) -> JSONValue {
        send(.object(["action": .string(action), "request_id": .string(requestId), "payload": .object(payload)]))
    }

    static func chat(_ requestId: String, _ text: String, _ extra: [String: JSONValue] = [:]) -> JSONValue {
        action("chat", requestId, ["text": .string(text)].merging(extra) { $1 })
    }

    /// A type-dialect message.
    static func type(_ type: String, _ fields: [String: JSONValue] = [:]) -> JSONValue {
        send(.object(fields.merging(["type": .string(type)]) { $1 }))
    }
}
