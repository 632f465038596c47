// MCPBench: the MCP plugin's figures for BENCHMARKS.md (`make bench`, release build).
//   1. The server's own round trip: a minimal client writes tools/call to MCPBenchServer (a C
//      stdio server that answers at once) and blocks reading the answer: pipes plus server.
//   2. The same call as the host makes it: call_tool through the ABI into the MCP plugin,
//      JSON-RPC over the pipe, the answer converted, DONE delivered to the host's task.
//      The host's added overhead is (2) minus (1), at the median and at p99.
//   3. For scale: get_current_time of mcp-server-time (a Python SDK server), when the test
//      virtualenv exists (`make test` creates it).
import Foundation
import Glibc
import Host

let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let repository = FileManager.default.currentDirectoryPath
let benchServer = binDirectory + "/MCPBenchServer"
let calls = 5_000
let runs = 3
print("MCPBench: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(calls) sequential calls per run, best of \(runs) runs")

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

struct Figures {
    var p50: Double
    var p99: Double

    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        p50 = sorted[sorted.count / 2]
        p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
    }

    var text: String { String(format: "p50 %7.1f µs   p99 %7.1f µs", p50, p99) }
}

func best(_ measure: () async throws -> Figures) async throws -> Figures {
    var best: Figures?
    for _ in 0..<runs {
        let figures = try await measure()
        if best == nil || figures.p50 < best!.p50 { best = figures }
    }
    return best!
}

// MARK: 1. the server alone, through its pipes

func directRoundTrips() throws -> Figures {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: benchServer)
    let input = Pipe(), output = Pipe()
    (process.standardInput, process.standardOutput) = (input, output)
    try process.run()
    defer { try? input.fileHandleForWriting.close(); process.waitUntilExit() }
    let writeFD = input.fileHandleForWriting.fileDescriptor, readFD = output.fileHandleForReading.fileDescriptor
    var buffer = [UInt8](repeating: 0, count: 65_536)
    var samples: [Double] = []
    for index in 0..<(calls + 200) {
        let line = Array(#"{"jsonrpc":"2.0","id":\#(index),"method":"tools/call","params":{"name":"noop","arguments":{}}}"#.utf8) + [10]
        let started = ContinuousClock.now
        _ = line.withUnsafeBytes { write(writeFD, $0.baseAddress, $0.count) }
        var done = false
        while !done {
            let count = buffer.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
            guard count > 0 else { fatalError("the bench server stopped") }
            done = buffer[count - 1] == 10
        }
        if index >= 200 { samples.append(microseconds(ContinuousClock.now - started)) }  // the first 200 warm up
    }
    return Figures(samples)
}

// MARK: 2 and 3. through the host and the plugin

func makeSource(command: String, args: [String]) throws -> ComponentInstance {
    let folder = NSTemporaryDirectory() + "mcpbench-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let servers: JSONValue = .object(["mcpServers": .object(["bench": .object(["command": .string(command), "args": .array(args.map(JSONValue.string))])])])
    try servers.jsonText.write(toFile: folder + "/servers_config.json", atomically: true, encoding: .utf8)
    let services = HostServices(logger: Logger(level: .warn))
    let plugin = try PluginLoader.load(path: binDirectory + "/libMCP.so", services: services).get()
    guard let mcp = plugin.components.first(where: { $0.name == "mcp" }) else { fatalError("libMCP.so has no mcp component") }
    let config: JSONValue = .object(["servers_config": .string(folder + "/servers_config.json"),
                                     "connection": .object(["ping_interval": .double(0)])])
    let instance = try ComponentInstance(descriptor: mcp, config: config, services: services)
    for _ in 0..<600 {  // up to 30 s for the server to start
        if let state = instance.describe(), state.contains(#""state":"up""#) { return instance }
        usleep(50_000)
    }
    fatalError("the bench server did not come up: \(instance.describe() ?? "")")
}

func pluginRoundTrips(_ instance: ComponentInstance, request: String, count: Int) async throws -> Figures {
    var samples: [Double] = []
    for index in 0..<(count + 200) {
        let started = ContinuousClock.now
        let events = try await instance.start(op: "call_tool", request: request).events.collect()
        let elapsed = microseconds(ContinuousClock.now - started)
        guard let last = events.last, last.kind == .done, last.data.contains(#""is_error":false"#) else {
            fatalError("call_tool failed: \(events.last?.text ?? "")\(events.last?.data ?? "")")
        }
        if index >= 200 { samples.append(elapsed) }
    }
    return Figures(samples)
}

let direct = try await best { try directRoundTrips() }
let source = try makeSource(command: benchServer, args: [])
let viaPlugin = try await best { try await pluginRoundTrips(source, request: #"{"name":"noop","arguments":{}}"#, count: calls) }
source.destroy()
print("\n1. Trivial tool call over stdio (MCPBenchServer, C)")
print("   the server alone, through its pipes:   \(direct.text)")
print("   call_tool through the host and plugin:  \(viaPlugin.text)")
print(String(format: "   added by the host and the plugin:       p50 %7.1f µs   p99 %7.1f µs   (target: at most 200 µs)",
             viaPlugin.p50 - direct.p50, viaPlugin.p99 - direct.p99))

let timeServer = repository + "/.venv-mcp/bin/mcp-server-time"
if FileManager.default.isExecutableFile(atPath: timeServer) {
    let time = try makeSource(command: timeServer, args: ["--local-timezone", "UTC"])
    let figures = try await pluginRoundTrips(time, request: #"{"name":"get_current_time","arguments":{"timezone":"Europe/Paris"}}"#, count: 500)
    time.destroy()
    print("\n2. A real server: mcp-server-time get_current_time (Python SDK), through the plugin")
    print("   \(figures.text)   (500 calls)")
} else {
    print("\n2. (skipped: \(timeServer) is missing; `make test` creates the virtualenv)")
}
