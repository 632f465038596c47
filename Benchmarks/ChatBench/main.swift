// ChatBench: the orchestrator's cost per relayed chunk (issue 6), in one process and one run.
// The fast C mock (chat-load --serve-mock) streams at full speed; the same N concurrent streams go
// (a) straight through the OpenAI provider plugin to a counting callback, and (b) through the
// orchestrator as chat turns (context, SQLite store writes, replay log, sequence numbers) to a
// counting transport callback. CPU is this process's (getrusage); the mock's is not counted.
// Usage: ChatBench [streams...]   (default 1 100 1000); CHUNKS=n (default 100), TURNS=n per stream.
import Foundation
import PluginABI
import Synchronization
import Host

let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let chunks = Int(ProcessInfo.processInfo.environment["CHUNKS"] ?? "") ?? 100
let streamCounts = CommandLine.arguments.dropFirst().compactMap { Int($0) }.nonEmptyOr([1, 100, 1000])

var limit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = min(limit.rlim_max, 16384)
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

let mock = Process()
mock.executableURL = URL(fileURLWithPath: binDirectory + "/chat-load")
mock.arguments = ["--serve-mock"]
let output = Pipe()
mock.standardOutput = output
try mock.run()
var line = ""
while !line.contains("\n") { line += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self) }
let port = Int(line.split(separator: " ").last?.prefix { $0.isNumber } ?? "") ?? 0
defer { kill(mock.processIdentifier, SIGKILL) }

let directory = NSTemporaryDirectory() + "chatbench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }

let services = HostServices(logger: Logger(level: .error))
func create(_ plugin: String, _ component: String, _ config: [String: JSONValue]) throws -> ComponentInstance {
    let loaded = try PluginLoader.load(path: binDirectory + "/lib\(plugin).so", services: services).get()
    return try ComponentInstance(descriptor: loaded.components.first { $0.name == component }!, config: .object(config), services: services)
}
let model = "bench?chunks=\(chunks)"
let provider = try create("OpenAI", "openai", ["base_url": .string("http://127.0.0.1:\(port)/v1"), "api_key": .string("bench"),
                                               "model": .string(model), "timeout": .int(300)])
let store = try create("SQLiteStore", "sqlite", ["db_path": .string(directory + "/bench.db"), "synchronous": .string("normal")])
let chain = ProviderChain(candidates: [.init(instance: provider, defaultModel: model)], logger: services.logger)
let orchestrator = Orchestrator(settings: ChatSettings(), chain: chain, store: store, toolSources: [], services: services)
services.requestHandler = orchestrator
let transport = services.makeContext(name: "bench_transport")

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Counts text deltas and endings, on whichever thread delivers them.
final class Counter: EventForwarder, @unchecked Sendable {
    let deltas = Atomic<Int>(0), ended = Atomic<Int>(0), failed = Atomic<Int>(0)
    func forward(_ event: UnsafePointer<sb_event>) -> sb_status {
        switch Int32(event.pointee.kind) {
        case SB_EVENT_TEXT_DELTA: deltas.add(1, ordering: .relaxed)
        case SB_EVENT_ERROR: failed.add(1, ordering: .relaxed); ended.add(1, ordering: .releasing)
        case SB_EVENT_DONE, SB_EVENT_CANCELLED: ended.add(1, ordering: .releasing)
        default: break
        }
        return SB_OK
    }
    static let callback: sb_event_fn = { user, event in
        Unmanaged<Counter>.fromOpaque(user!).takeUnretainedValue().forward(event!)
    }
}

struct Figures { var chunksPerSecond: Double; var cpuMicros: Double; var errors: Int }

func measure(streams: Int, _ start: (Int, Counter) -> Void) -> Figures {
    let counter = Counter()
    let cpu0 = cpuSeconds(), t0 = ContinuousClock.now
    for i in 0..<streams { start(i, counter) }
    while counter.ended.load(ordering: .acquiring) < streams { usleep(1000) }
    let elapsed = ContinuousClock.now - t0
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let deltas = Double(counter.deltas.load(ordering: .relaxed))
    return Figures(chunksPerSecond: deltas / seconds, cpuMicros: (cpuSeconds() - cpu0) * 1e6 / max(deltas, 1), errors: counter.failed.load(ordering: .relaxed))
}

let request = JSONValue.object(["messages": .array([.object(["role": .string("user"), "content": .string("hi")])]), "stream": .bool(true)]).jsonText
var turnNumber = 0
print("streams  path            chunks/s   CPU µs/chunk  errors   (CHUNKS=\(chunks), \(ProcessInfo.processInfo.activeProcessorCount) cores)")
for streams in streamCounts {
    for round in 0..<2 {  // the first round warms connections and caches; the second is reported
        let plugin = measure(streams: streams) { _, counter in _ = try! provider.start(op: "chat", request: request, forwardingTo: counter) }
        let turns = measure(streams: streams) { i, counter in
            turnNumber += 1
            let body = JSONValue.object(["owner": .string("bench"), "request_id": .string("t\(turnNumber)"), "text": .string("hi")]).jsonText
            var handle: UInt64 = 0
            let status = HostAPITable.pointer.pointee.submit(transport.hostRef, "chat", body, body.utf8.count, Counter.callback,
                                                             Unmanaged.passUnretained(counter).toOpaque(), &handle, nil, 0)
            precondition(status == SB_OK)
        }
        guard round == 1 else { continue }
        for (name, figures) in [("provider only", plugin), ("orchestrator", turns)] {
            print(String(format: "%7d  %-14@ %9.0f  %12.2f  %6d", streams, name as NSString, figures.chunksPerSecond, figures.cpuMicros, figures.errors))
        }
    }
}
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print(String(format: "peak RSS %.0f MB", Double(usage.ru_maxrss) / 1024))
orchestrator.stopAccepting()
store.destroy()
provider.destroy()

extension Array {
    func nonEmptyOr(_ fallback: [Element]) -> [Element] { isEmpty ? fallback : self }
}
