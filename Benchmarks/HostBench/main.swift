// HostBench: the plugin host's figures for BENCHMARKS.md (`make bench`, release build).
//   1. One call through the ABI, against a C function-pointer call that stays in this process.
//   2. One event from a plugin thread into the host, against a counting-only callback.
//   3. Time from `switchboard run` to all plugins created.
import Foundation
import Host
import PluginABI
import Synchronization

let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
let services = HostServices(logger: Logger(level: .error))
print("HostBench: \(ProcessInfo.processInfo.activeProcessorCount) cores, binaries in \(binDirectory)")

func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

/// Best of `rounds` timings, in ns per iteration: the minimum filters out a noisy shared machine.
func bestOf(_ rounds: Int, _ body: () -> Double) -> Double { (0..<rounds).map { _ in body() }.min()! }

func timed(iterations: Int, _ body: (Int) -> Void) -> Double {
    let start = ContinuousClock.now
    body(iterations)
    return nanoseconds(ContinuousClock.now - start) / Double(iterations)
}

let echoDescriptor: ComponentDescriptor
do {
    echoDescriptor = try PluginLoader.load(path: binDirectory + "/libExampleC.so", services: services).get().components[0]
} catch {
    print("cannot load libExampleC.so from \(binDirectory): \(error)")
    exit(1)
}
let echo = try ComponentInstance(descriptor: echoDescriptor, config: .object([:]), services: services)

// MARK: 1. one call through the ABI

/// Baseline: an equivalent empty C function reached through a pointer this process owns.
let baselineFunction: @convention(c) (UnsafePointer<CChar>?) -> UnsafeMutableRawPointer? = { _ in nil }
let baselineTable = UnsafeMutablePointer<@convention(c) (UnsafePointer<CChar>?) -> UnsafeMutableRawPointer?>.allocate(capacity: 1)
baselineTable.initialize(to: baselineFunction)

let calls = 20_000_000
var hits = 0
let baselineCall = bestOf(7) { timed(iterations: calls) { n in for _ in 0..<n where baselineTable.pointee(nil) != nil { hits += 1 } } }
let hostTableCall = bestOf(7) { timed(iterations: calls) { n in
    let table = HostAPITable.pointer  // what a plugin holds
    for _ in 0..<n where table.pointee.get_proc(nil) != nil { hits += 1 }
} }
let pluginCall = bestOf(7) { timed(iterations: calls / 4) { n in for _ in 0..<n { echo.cancel(0) } } }
print("\n1. One call through the ABI (best of 7 runs of \(calls) calls)")
print(String(format: "   baseline: empty C function via a pointer       %6.2f ns", baselineCall))
print(String(format: "   plugin -> host: sb_host_api.get_proc           %6.2f ns  (%.2fx baseline)", hostTableCall, hostTableCall / baselineCall))
print(String(format: "   host -> plugin: echo cancel(unknown handle)    %6.2f ns  (ComponentInstance check + the plugin's mutex lock/unlock)", pluginCall))

// MARK: 2. one event callback into the host

let burst = 1_000_000
/// Nonisolated on purpose: a closure formed in main.swift would be main-actor-isolated and trap
/// when the plugin thread calls it (Swift 6 executor check).
enum CountingCallback {
    static let finished = Atomic<Bool>(false)
    static let function: sb_event_fn = { _, event in
        if let event, event.pointee.kind >= UInt32(SB_EVENT_DONE) { finished.store(true, ordering: .releasing) }
        return SB_OK
    }
}

/// The plugin's own cost: a second echo instance driven straight through its vtable.
func burstIntoCountingCallback() -> Double {
    var raw: UnsafeMutableRawPointer?
    var handle: UInt64 = 0
    let request = #"{"count": \#(burst)}"#
    CountingCallback.finished.store(false, ordering: .relaxed)
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 256) { err in
        let name: StaticString = "echo", config: StaticString = "{}"  // static storage outlives the call
        var args = sb_create_args(struct_size: UInt32(MemoryLayout<sb_create_args>.size), abi_version: sb_abi_current(),
                                  host: HostAPITable.pointer, host_ref: nil,
                                  component_name: UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self),
                                  config_json: UnsafeRawPointer(config.utf8Start).assumingMemoryBound(to: CChar.self), config_len: 2)
        precondition(echoDescriptor.vtable.create(&args, &raw, err.baseAddress, 256) == SB_OK)
        defer { echoDescriptor.vtable.destroy(raw) }
        let start = ContinuousClock.now
        precondition(echoDescriptor.vtable.start(raw, "burst", request, request.utf8.count, CountingCallback.function, nil, &handle, err.baseAddress, 256) == SB_OK)
        while !CountingCallback.finished.load(ordering: .acquiring) { sched_yield() }
        return nanoseconds(ContinuousClock.now - start) / Double(burst)
    }
}

/// The full host path: copied on the plugin thread, routed by ticket, consumed from an AsyncStream.
func burstIntoHost() async throws -> Double {
    let start = ContinuousClock.now
    var deltas = 0
    for await event in try echo.start(op: "burst", request: #"{"count": \#(burst)}"#).events where event.kind == .textDelta { deltas += 1 }
    precondition(deltas == burst)
    return nanoseconds(ContinuousClock.now - start) / Double(burst)
}

var countingRuns: [Double] = [], hostRuns: [Double] = []
for _ in 0..<5 {
    countingRuns.append(burstIntoCountingCallback())
    hostRuns.append(try await burstIntoHost())
}
let (baselineEvent, hostEvent) = (countingRuns.min()!, hostRuns.min()!)
print("\n2. One event from a plugin thread (echo burst of \(burst) text deltas, best of 5, alternating)")
print(String(format: "   baseline: counting-only C callback             %6.1f ns/event", baselineEvent))
print(String(format: "   into the host (copy, route, EventChannel)      %6.1f ns/event", hostEvent))
print(String(format: "   added by the host                              %6.1f ns/event", hostEvent - baselineEvent))

// MARK: 3. start-up

let scratch = NSTemporaryDirectory() + "hostbench-\(getpid())"
try FileManager.default.createDirectory(atPath: scratch + "/plugins", withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }
for plugin in ["ExampleC", "ExampleSwift"] {
    try FileManager.default.copyItem(atPath: "\(binDirectory)/lib\(plugin).so", toPath: "\(scratch)/plugins/lib\(plugin).so")
}
try "plugins:\n  ExampleC: {required: true}\n  ExampleSwift: {required: true}\nactive: {provider: echo, tool_sources: [example_tools]}\n"
    .write(toFile: scratch + "/plugins.yaml", atomically: true, encoding: .utf8)

var spawnToReady: [Double] = [], hostReported: [Double] = []
for _ in 0..<15 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binDirectory + "/switchboard")
    process.arguments = ["run", "--config", scratch + "/plugins.yaml"]
    let pipe = Pipe()
    process.standardError = pipe
    let start = ContinuousClock.now
    try process.run()
    var log = ""
    while !log.contains("ready:") {
        let data = pipe.fileHandleForReading.availableData
        if data.isEmpty { break }  // exited early
        log += String(decoding: data, as: UTF8.self)
    }
    spawnToReady.append(nanoseconds(ContinuousClock.now - start) / 1e6)
    if let range = log.range(of: #"created in [0-9.]+ ms"#, options: .regularExpression),
       let figure = Double(log[range].split(separator: " ")[2]) {
        hostReported.append(figure)
    }
    process.interrupt()
    process.waitUntilExit()
}
func percentile(_ values: [Double], _ p: Double) -> Double { let s = values.sorted(); return s[min(s.count - 1, Int(Double(s.count) * p))] }
print("\n3. `switchboard run` until all plugins are created (2 plugins, 2 components, 15 runs)")
print(String(format: "   spawn to the ready line:                 median %5.1f ms, p90 %5.1f ms", percentile(spawnToReady, 0.5), percentile(spawnToReady, 0.9)))
print(String(format: "   inside the host (config, load, create):  median %5.1f ms, p90 %5.1f ms", percentile(hostReported, 0.5), percentile(hostReported, 0.9)))
echo.destroy()
if hits != 0 { print("unexpected: \(hits)") }
