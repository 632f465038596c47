// WebSocketBench: the WebSocket transport alone (`make bench`, release build), against the
// performance targets: relayed chunks/s at 100 and 1000 concurrent streams, added time to first
// chunk, and the memory of 10,000 idle connections. A synthetic host answers every chat at once
// from two emitter threads (as a provider's one curl thread would), so the figures are the
// transport's; node's `ws` (load.js) is the client.
import Foundation
import Host
import PluginABI
import Synchronization

let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let loadScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/load.js"

/// Answers `chat` with "N SIZE": a turn event, N text deltas of SIZE bytes, usage, DONE. Streams
/// are spread over two emitter threads, each emitting one delta per stream per round.
final class BenchHost: HostRequestHandler, @unchecked Sendable {
    final class Stream: @unchecked Sendable {
        let sink: PluginEventSink
        let total: Int
        let piece: String
        var sent = 0
        let cancelled = Atomic<Bool>(false)
        init(sink: PluginEventSink, total: Int, piece: String) { (self.sink, self.total, self.piece) = (sink, total, piece) }
    }

    final class Queue: Sendable { let streams = Mutex<[Stream]>([]) }
    let queues = [Queue(), Queue()]
    let handles = Mutex<[UInt64: Stream]>([:])
    let nextHandle = Atomic<UInt64>(1)
    let turn = JSONValue.object(["conversation_id": .string("bench"), "model": .string("bench"), "provider": .string("bench")]).jsonText

    init() {
        for queue in queues { Thread { BenchHost.emit(queue) }.start() }
    }

    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        guard op == "chat", case .string(let text)? = (try? JSONValue.parse(request))?["text"] else {
            throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "bench host: chat only")
        }
        let words = text.split(separator: " ").compactMap { Int($0) }
        let stream = Stream(sink: sink, total: words.first ?? 1, piece: String(repeating: "x", count: words.count > 1 ? words[1] : 16))
        let handle = nextHandle.wrappingAdd(1, ordering: .relaxed).oldValue
        handles.withLock { $0[handle] = stream }
        sink.send(PluginEvent(kind: .message, name: "turn", data: turn, index: 1))
        queues[Int(handle % 2)].streams.withLock { $0.append(stream) }
        return handle
    }

    func cancel(handle: UInt64) {
        handles.withLock { $0[handle] }?.cancelled.store(true, ordering: .relaxed)
    }

    static func emit(_ queue: Queue) {
        var active: [Stream] = []
        while true {
            active += queue.streams.withLock { streams in defer { streams.removeAll() }; return streams }
            if active.isEmpty { usleep(200); continue }
            active.removeAll { stream in
                if stream.cancelled.load(ordering: .relaxed) {
                    stream.sink.send(PluginEvent(kind: .cancelled, index: Int64(stream.sent + 2), status: SB_ERR_CANCELLED))
                    return true
                }
                stream.sent += 1
                stream.sink.send(PluginEvent(kind: .textDelta, text: stream.piece, index: Int64(stream.sent + 1)))
                guard stream.sent == stream.total else { return false }
                stream.sink.send(PluginEvent(kind: .usage, data: #"{"total_tokens":1}"#, index: Int64(stream.sent + 2)))
                stream.sink.send(PluginEvent(kind: .done, data: #"{"conversation_id":"bench"}"#, index: Int64(stream.sent + 3)))
                return true
            }
        }
    }
}

func residentMB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Runs load.js and returns its JSON line; `hold` keeps stdin open until the returned closure is called.
func load(_ arguments: [String]) throws -> JSONValue {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/node")
    process.arguments = [loadScript] + arguments
    process.environment = ["NODE_PATH": "/usr/share/nodejs", "PATH": "/usr/bin:/bin"]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return try JSONValue.parse(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

let services = HostServices(logger: Logger(level: .warn))
services.requestHandler = BenchHost()
let plugin = try PluginLoader.load(path: binDirectory + "/libWebSocket.so", services: services).get()
let transport = try ComponentInstance(descriptor: plugin.components[0], config: .object([
    "port": .int(0), "max_connections": .int(12_000),  // pings every 20 s (the default)
]), services: services)
let serve = try transport.start(op: "serve", request: "{}")
let port: Int64 = (try JSONValue.parse(transport.describe() ?? "{}"))["port"].flatMap { if case .int(let p) = $0 { return p } else { return nil } } ?? 0
let url = "ws://127.0.0.1:\(port)/ws/chat"
print("WebSocketBench: transport on \(url)")

let quick = ProcessInfo.processInfo.environment["WSBENCH_IDLE_ONLY"] != nil  // profiling: only the 10,000-connection phase
for (connections, chunks) in quick ? [] : [(100, 2000), (1000, 200)] {
    let before = cpuSeconds()
    let result = try load(["stream", url, String(connections), String(chunks), "32"])
    let cpu = cpuSeconds() - before
    var relayed = 0.0
    if case .int(let count)? = result["chunks"] { relayed = Double(count) }
    let perSecond = result["chunks_per_second"]?.jsonText ?? "?"
    print("  \(connections) streams x \(chunks) chunks: \(perSecond) chunks/s relayed (measured by the client), errors \(result["errors"]?.jsonText ?? "?"), "
          + "transport process CPU \(String(format: "%.2f", cpu)) s = \(String(format: "%.1f", relayed > 0 ? cpu / relayed * 1e6 : 0)) us per chunk")
}

let ttfb = try load(["ttfb", url, quick ? "10" : "2000"])
print("  time to first chunk, 2000 sequential one-chunk chats (client send -> first chunk, synthetic host answers at once): \(ttfb.jsonText)")

let idleBefore = residentMB()
let idleClient = Process()
idleClient.executableURL = URL(fileURLWithPath: "/usr/bin/node")
idleClient.arguments = [loadScript, "idle", url, "10000"]
idleClient.environment = ["NODE_PATH": "/usr/share/nodejs", "PATH": "/usr/bin:/bin"]
let idleOutput = Pipe(), idleInput = Pipe()
idleClient.standardOutput = idleOutput
idleClient.standardInput = idleInput
try idleClient.run()
var idleLine = ""
while !idleLine.contains("\n") {
    let chunk = idleOutput.fileHandleForReading.availableData
    if chunk.isEmpty { break }
    idleLine += String(decoding: chunk, as: UTF8.self)
}
Thread.sleep(forTimeInterval: 1)
let idleAfter = residentMB()
let described = (try? JSONValue.parse(transport.describe() ?? "{}"))?["connections"]?.jsonText ?? "?"
print("  10000 idle connections: \(idleLine.trimmingCharacters(in: .whitespacesAndNewlines)) (the transport counts \(described)); "
      + "RSS of this process \(String(format: "%.1f", idleBefore)) MB -> \(String(format: "%.1f", idleAfter)) MB "
      + "(+\(String(format: "%.1f", idleAfter - idleBefore)) MB, \(String(format: "%.1f", (idleAfter - idleBefore) * 1024 / 10000)) KB per connection)")
let idleCPUStart = cpuSeconds()
Thread.sleep(forTimeInterval: 20)
print("  CPU of this process while the 10000 connections idle for 20 s, pinged every 20 s: \(String(format: "%.2f", cpuSeconds() - idleCPUStart)) s")
let busy = try load(["stream", url, "100", "2000", "32"])
print("  100 streams x 2000 chunks while the 10000 idle connections are open: \(busy["chunks_per_second"]?.jsonText ?? "?") chunks/s, errors \(busy["errors"]?.jsonText ?? "?")")
let busyTTFB = try load(["ttfb", url, "1000"])
print("  time to first chunk with the 10000 idle connections open: \(busyTTFB.jsonText)")
try idleInput.fileHandleForWriting.close()
idleClient.waitUntilExit()

transport.destroy()
_ = serve
