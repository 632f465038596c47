import Foundation
import Host
import PluginTestKit
import Synchronization
import Testing

/// The built WebSocket plugin serving on a free 127.0.0.1 port, with a `FakeHost` behind
/// `host->submit`. Use `with`, which always stops it (off the cooperative pool: destroy waits
/// for the service thread) and then checks nothing was left running.
///
/// At most `slots` servers run at once (`WEBSOCKET_TEST_PARALLELISM`, default 1): each test's
/// client processes take a core, and unbounded they starve the timing-sensitive tests of other
/// suites on a 2-core machine. `start` takes a place and `stop` frees it.
final class WebSocketServer: Sendable {
    let harness: PluginHarness
    let host: FakeHost
    let serve: ComponentOperation
    let port: Int
    let endpoint: String

    var url: String { "ws://127.0.0.1:\(port)\(endpoint)" }

    static let slots = TestSlots(Int(ProcessInfo.processInfo.environment["WEBSOCKET_TEST_PARALLELISM"] ?? "") ?? 1)

    /// Fast test defaults; `config` entries replace them.
    static func start(_ config: [String: JSONValue] = [:], host: FakeHost = FakeHost()) async throws -> WebSocketServer {
        await slots.acquire()
        do {
            return try make(config, host: host)
        } catch {
            slots.release()
            throw error
        }
    }

    private static func make(_ config: [String: JSONValue], host: FakeHost) throws -> WebSocketServer {
        let block: [String: JSONValue] = ["host": .string("127.0.0.1"), "port": .int(0), "shutdown_grace": .double(0.2)]
        let harness = try PluginHarness(plugin: "WebSocket", component: "websocket", config: .object(block.merging(config) { $1 }),
                                        logLevel: .debug)
        harness.services.requestHandler = host
        let serve = try harness.instance.start(op: "serve", request: "{}")
        guard let described = harness.instance.describe(), let state = try? JSONValue.parse(described),
              case .int(let port)? = state["port"], port > 0 else {
            harness.destroy()
            throw WebSocketTestFailure("the transport did not report its port: \(harness.instance.describe() ?? "nil")")
        }
        return WebSocketServer(harness: harness, host: host, serve: serve, port: Int(port),
                               endpoint: config["endpoint"]?.stringValue ?? "/ws/chat")
    }

    private init(harness: PluginHarness, host: FakeHost, serve: ComponentOperation, port: Int, endpoint: String) {
        (self.harness, self.host, self.serve, self.port, self.endpoint) = (harness, host, serve, port, endpoint)
    }

    /// Runs `body` with a started server and stops it afterwards, also when `body` throws.
    static func with<T>(_ config: [String: JSONValue] = [:], host: FakeHost = FakeHost(),
                        _ body: (WebSocketServer) async throws -> T) async throws -> T {
        let server = try await start(config, host: host)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// The transport's describe() report.
    var state: JSONValue { harness.instance.describe().flatMap { try? JSONValue.parse($0) } ?? .null }

    /// Destroys the plugin instance and checks that it ended its serve op and every turn.
    /// Frees the place `start` took (call once).
    func stop() async {
        let harness = self.harness
        await offThePool { harness.destroy() }
        Self.slots.release()
        let events = await serve.events.collect()
        #expect(events.last?.kind == .cancelled, "serve should end with CANCELLED, got \(String(describing: events.last))")
        #expect(host.runningTurns == 0, "turns still running after destroy")
    }

    /// Waits (polling, without blocking the pool) until `condition` holds or `seconds` pass.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }
}

struct WebSocketTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
