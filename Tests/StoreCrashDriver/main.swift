// StoreCrashDriver: runs streamed turns into the SQLiteStore plugin until it is killed.
//   StoreCrashDriver PLUGIN.so DB_PATH CONVERSATIONS
// Each conversation runs turns one after another: a user message and an incomplete assistant
// placeholder in one batch, 40 streamed deltas, then stream_end. After each turn's stream_end
// has committed it prints "completed <request_id>" (flushed), so a test that kills this process
// knows exactly which turns must be complete in the file. Conversation c0 streams 100 times
// slower (50 ms between deltas), so it is mid-stream whenever the kill lands; the others,
// started together at one pace, may all be between turns at that moment.
import Foundation
import Host

let arguments = CommandLine.arguments
guard arguments.count == 4, let conversations = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: StoreCrashDriver PLUGIN.so DB_PATH CONVERSATIONS\n".utf8))
    exit(2)
}
let services = HostServices(logger: Logger(level: .error))
let store: ComponentInstance
do {
    let plugin = try PluginLoader.load(path: arguments[1], services: services).get()
    store = try ComponentInstance(descriptor: plugin.components.first { $0.name == "sqlite" }!,
                                  config: .object(["db_path": .string(arguments[2]),
                                                   "persistence": .object(["interval_ms": .int(20), "min_chars": .int(64)])]),
                                  services: services)
} catch {
    FileHandle.standardError.write(Data("cannot create the store: \(error)\n".utf8))
    exit(1)
}

/// The exact reply every turn streams, so the test can check complete and partial content.
let deltas = (0..<40).map { "word\($0) " }

func call(_ op: String, _ request: JSONValue) async throws -> JSONValue {
    let events = try await store.start(op: op, request: request.jsonText).events.collect()
    guard let last = events.last, last.kind == .done else { throw ComponentError(status: -1, message: events.last?.text ?? "no terminal") }
    return last.data.isEmpty ? .null : try JSONValue.parse(last.data)
}

await withTaskGroup(of: Void.self) { group in
    for conversation in 0..<conversations {
        group.addTask {
            var turn = 0
            let pause: Duration = conversation == 0 ? .milliseconds(50) : .microseconds(500)
            while true {
                let request = "c\(conversation)-t\(turn)"
                let scope: [String: JSONValue] = ["conversation_id": .string("c\(conversation)"), "owner": .string("crash")]
                do {
                    let batch = try await call("append_batch", .object(scope.merging(["messages": .array([
                        .object(["role": .string("user"), "content": .string("question \(turn)"), "request_id": .string(request + ":user")]),
                        .object(["role": .string("assistant"), "content": .string(""), "request_id": .string(request), "status": .string("incomplete")]),
                    ])]) { $1 }))
                    guard case .int(let id)? = batch["messages"].flatMap({ if case .array(let m) = $0 { return m.last?["id"] } else { return nil } }) else { return }
                    for delta in deltas {
                        _ = try await call("stream_append", .object(["message_id": .int(id), "content": .string(delta)]))
                        try await Task.sleep(for: pause)
                    }
                    _ = try await call("stream_end", .object(["message_id": .int(id), "status": .string("complete")]))
                    FileHandle.standardOutput.write(Data("completed \(request)\n".utf8))  // unbuffered: one write(2)
                } catch {
                    FileHandle.standardError.write(Data("turn \(request) failed: \(error)\n".utf8))
                    return
                }
                turn += 1
            }
        }
    }
}
