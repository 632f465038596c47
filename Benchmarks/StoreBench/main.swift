// StoreBench: the SQLiteStore figures for BENCHMARKS.md (`make bench`, release build).
//   1. Appends per second: one at a time (each waits for its commit), and 64 in flight at once
//      (the writer group-commits them), and append_batch of 100 messages.
//   2. Context-window load of a 10,000-message conversation: p50/p99 over 1,000 loads.
//   3. Database bytes per 1,000 messages.
import Foundation
import Host

let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let services = HostServices(logger: Logger(level: .error))
let folder = NSTemporaryDirectory() + "storebench-\(getpid())"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
let plugin = try PluginLoader.load(path: binDirectory + "/libSQLiteStore.so", services: services).get()
let sqlite = plugin.components.first { $0.name == "sqlite" }!
print("StoreBench: \(ProcessInfo.processInfo.activeProcessorCount) cores, synchronous=full (the default), WAL")

func makeStore(_ name: String) throws -> ComponentInstance {
    try ComponentInstance(descriptor: sqlite, config: .object(["db_path": .string("\(folder)/\(name).db")]), services: services)
}

func call(_ store: ComponentInstance, _ op: String, _ request: String) async throws -> String {
    let events = try await store.start(op: op, request: request).events.collect()
    guard let last = events.last, last.kind == .done else { fatalError("\(op) failed: \(events.last?.text ?? "")") }
    return last.data
}

func seconds(_ duration: Duration) -> Double { Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18 }

func appendRequest(_ conversation: String, _ index: Int) -> String {
    #"{"conversation_id":"\#(conversation)","owner":"bench","message":{"role":"\#(index % 2 == 0 ? "user" : "assistant")","content":"message number \#(index): a typical short chat line of about eighty characters."}}"#
}

// MARK: 1. appends per second

let single = try makeStore("single")
var start = ContinuousClock.now
for index in 0..<2_000 { _ = try await call(single, "append", appendRequest("s", index)) }
let singleRate = 2_000 / seconds(ContinuousClock.now - start)

let concurrent = try makeStore("concurrent")
start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    for worker in 0..<64 {
        group.addTask { for index in 0..<250 { _ = try await call(concurrent, "append", appendRequest("w\(worker)", index)) } }
    }
    try await group.waitForAll()
}
let concurrentRate = 16_000 / seconds(ContinuousClock.now - start)

let batched = try makeStore("batched")
let batchBody = (0..<100).map { #"{"role":"user","content":"message number \#($0): a typical short chat line of about eighty characters."}"# }.joined(separator: ",")
start = ContinuousClock.now
for batch in 0..<200 { _ = try await call(batched, "append_batch", #"{"conversation_id":"b\#(batch % 10)","owner":"bench","messages":[\#(batchBody)]}"#) }
let batchRate = 20_000 / seconds(ContinuousClock.now - start)
print("\n1. Appends per second")
print(String(format: "   one at a time, each awaiting its commit:  %8.0f /s", singleRate))
print(String(format: "   64 concurrent callers (group commit):     %8.0f /s", concurrentRate))
print(String(format: "   append_batch of 100:                      %8.0f messages/s", batchRate))

// MARK: 2. context window of a 10,000-message conversation

let long = try makeStore("long")
for chunk in 0..<100 {
    let body = (0..<100).map { #"{"role":"\#($0 % 2 == 0 ? "user" : "assistant")","content":"message \#(chunk * 100 + $0) with some ordinary text in it, around eighty characters long."}"# }.joined(separator: ",")
    _ = try await call(long, "append_batch", #"{"conversation_id":"long","owner":"bench","messages":[\#(body)]}"#)
}
var loads: [Double] = []
for _ in 0..<1_000 {
    let begin = ContinuousClock.now
    let result = try await call(long, "load_context", #"{"conversation_id":"long","owner":"bench","max_messages":50,"max_tokens":4000}"#)
    loads.append(seconds(ContinuousClock.now - begin) * 1000)
    precondition(result.contains("\"messages\""))
}
loads.sort()
print("\n2. Context window of a 10,000-message conversation (newest 50 within 4,000 tokens; 1,000 loads, through the ABI)")
print(String(format: "   p50 %.3f ms, p99 %.3f ms, max %.3f ms", loads[loads.count / 2], loads[loads.count * 99 / 100], loads.last!))

// MARK: 3. bytes per 1,000 messages

single.destroy(); concurrent.destroy(); batched.destroy(); long.destroy()
func size(_ name: String) -> Double {
    ["", "-wal"].reduce(0.0) { total, suffix in
        total + Double((try? FileManager.default.attributesOfItem(atPath: "\(folder)/\(name).db\(suffix)")[.size] as? Int) ?? 0)
    }
}
print("\n3. Database size")
print(String(format: "   %.0f bytes per 1,000 messages (10,000 messages of ~80 characters, after shutdown)", size("long") / 10))
