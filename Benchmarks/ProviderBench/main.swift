// ProviderBench: issue 3's figures for BENCHMARKS.md (`make bench`, release build).
// 1, 100 and 1000 concurrent streams from the mock OpenAI-compatible server at full speed,
// through the OpenAI provider plugin and the host's event path: streamed chunks/s, CPU
// microseconds per chunk in this process (the mock's CPU is not counted), peak RSS.
//
// Arguments pick stream counts and rows (`ProviderBench 1000 plugin plugin4k`); MOCK_PORT uses a
// mock already running (for valgrind); PROVIDER_PLUGIN loads another build of libOpenAI.so, to
// compare builds (BENCHMARKS.md shows how).
import Foundation
import Host
import PluginABI
import Synchronization

let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let mockScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    + "/Tests/MockLLM/mock_openai.py"

// 1000 streams need more than the usual 1024 descriptors (the mock inherits this limit too).
var limit = rlimit()
getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
limit.rlim_cur = min(limit.rlim_max, 8192)
setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)

/// The mock and its port; MOCK_PORT names a mock already running instead (valgrind cannot
/// spawn one: Foundation's Process fails under it).
func startMock() throws -> (Process?, Int) {
    if let port = ProcessInfo.processInfo.environment["MOCK_PORT"].flatMap({ Int($0) }) { return (nil, port) }
    let mock = Process()
    mock.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    mock.arguments = ["python3", mockScript, "--port", "0"]
    let output = Pipe()
    mock.standardOutput = output
    try mock.run()
    var line = ""
    while !line.contains("\n") { line += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self) }
    return (mock, Int(line.dropFirst(5).prefix { $0.isNumber }) ?? 0)
}
let (mock, port) = try startMock()
defer { if let mock { kill(mock.processIdentifier, SIGKILL) } }

let services = HostServices(logger: Logger(level: .error))
// PROVIDER_PLUGIN names another build of the plugin, to compare two builds on one mock and machine.
let pluginPath = ProcessInfo.processInfo.environment["PROVIDER_PLUGIN"] ?? binDirectory + "/libOpenAI.so"
let plugin = try PluginLoader.load(path: pluginPath, services: services).get()
let provider = try ComponentInstance(descriptor: plugin.components[0], config: .object([
    "base_url": .string("http://127.0.0.1:\(port)/v1"), "model": .string("mock/text"), "timeout": .int(300),
]), services: services)

/// CPU seconds of this process so far: (user, system).
func cpuSeconds() -> (user: Double, system: Double) {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6, Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
}

func peakRSSMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// Counts forwarded events on the plugin's thread: the provider plugin's own cost, no consumer task.
/// Signals `allEnded` after `streams` terminal events (waiting costs no CPU: a polling loop
/// showed up in the slow paced rows).
final class Counter: EventForwarder {
    let deltas = Atomic<Int>(0), ended = Atomic<Int>(0), failed = Atomic<Int>(0)
    let streams: Int
    let allEnded = DispatchSemaphore(value: 0)

    init(streams: Int) { self.streams = streams }

    func forward(_ event: UnsafePointer<sb_event>) -> sb_status {
        switch Int32(event.pointee.kind) {
        case SB_EVENT_TEXT_DELTA: deltas.add(1, ordering: .relaxed)
        case SB_EVENT_ERROR: failed.add(1, ordering: .relaxed); end()
        case SB_EVENT_DONE, SB_EVENT_CANCELLED: end()
        default: break
        }
        return SB_OK
    }

    private func end() {
        if ended.add(1, ordering: .acquiringAndReleasing).newValue == streams { allEnded.signal() }
    }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func report(_ label: String, _ streams: Int, _ chunks: Int, _ total: Int, _ wall: Double, _ before: (user: Double, system: Double), _ errors: Int) {
    let after = cpuSeconds()
    let perChunk = { (seconds: Double) in seconds * 1e6 / Double(max(total, 1)) }
    print(label.padding(toLength: 22, withPad: " ", startingAt: 0) + String(format: "%7d  %12d  %7.2f  %9.0f  %8.2f = %5.2f user + %5.2f kernel  %6d  %8.1f",
          streams, total, wall, Double(total) / wall, perChunk(after.user - before.user + after.system - before.system),
          perChunk(after.user - before.user), perChunk(after.system - before.system), errors, peakRSSMB()))
}

print("ProviderBench: \(ProcessInfo.processInfo.activeProcessorCount) cores; mock on 127.0.0.1:\(port) (Python asyncio, shares the cores)")
print("path                  streams        chunks   wall s   chunks/s   CPU us per chunk                     errors  peak RSS MB")
/// Plugin only: events forwarded uncopied to a counting callback on the plugin's thread.
func measurePlugin(_ label: String, streams: Int, chunks: Int, request: String) {
    let counter = Counter(streams: streams)
    let cpuBefore = cpuSeconds()
    let start = ContinuousClock.now
    for _ in 0..<streams { _ = try? provider.start(op: "chat", request: request, forwardingTo: counter) }
    counter.allEnded.wait()
    report(label, streams, chunks, counter.deltas.load(ordering: .relaxed), seconds(ContinuousClock.now - start), cpuBefore,
           counter.failed.load(ordering: .relaxed))
}

/// Plugin and host: each stream consumed by a Swift task through the host's event channel.
func measureHost(_ label: String, streams: Int, chunks: Int, request: String) async {
    let cpuBefore = cpuSeconds()
    let start = ContinuousClock.now
    let (total, errors) = await withTaskGroup(of: (Int, Int).self) { group in
        for _ in 0..<streams {
            group.addTask {
                guard let operation = try? provider.start(op: "chat", request: request) else { return (0, 1) }
                var count = 0, failed = 0
                for await event in operation.events {
                    if event.kind == .textDelta { count += 1 } else if event.kind == .error { failed = 1 }
                }
                return (count, failed)
            }
        }
        var sums = (0, 0)
        for await (count, failed) in group { sums = (sums.0 + count, sums.1 + failed) }
        return sums
    }
    report(label, streams, chunks, total, seconds(ContinuousClock.now - start), cpuBefore, errors)
}

// Each configuration runs with the mock at full speed writing every event at once (its own TCP
// segment: one wake-up and one read per few events), at full speed coalescing events through a
// 4 KiB buffer, as a server's buffered writer does (mock_openai.py, `flush`), and paced at 50
// chunks/s per stream, a model's token rate (one wake-up and one read per event: the real cost).
// Arguments (optional) pick stream counts and rows, e.g. `ProviderBench 1000 plugin` to profile one.
let arguments = CommandLine.arguments.dropFirst()
let counts = Set(arguments.compactMap { Int($0) })
let rows = Set(arguments.filter { Int($0) == nil })
func runs(_ row: String) -> Bool { rows.isEmpty || rows.contains(row) }
for (streams, chunks) in [(1, 5000), (100, 200), (1000, 100)] where counts.isEmpty || counts.contains(streams) {
    let request = #"{"model": "mock/text?chunks=\#(chunks)", "messages": [{"role": "user", "content": "hi"}]}"#
    let coalesced = #"{"model": "mock/text?chunks=\#(chunks)&flush=4096", "messages": [{"role": "user", "content": "hi"}]}"#
    let paced = #"{"model": "mock/text?chunks=100&rate=50", "messages": [{"role": "user", "content": "hi"}]}"#
    if runs("plugin") { measurePlugin("plugin", streams: streams, chunks: chunks, request: request) }
    if runs("plugin4k") { measurePlugin("plugin, 4 KiB writes", streams: streams, chunks: chunks, request: coalesced) }
    // Paced, one stream's 50 chunks/s would measure the process's idle CPU more than its chunks.
    if runs("paced"), streams > 1 { measurePlugin("plugin, 50 chunks/s", streams: streams, chunks: 100, request: paced) }
    if runs("host") { await measureHost("plugin + host", streams: streams, chunks: chunks, request: request) }
    if runs("host4k") { await measureHost("plugin + host, 4 KiB", streams: streams, chunks: chunks, request: coalesced) }
}
provider.destroy()
