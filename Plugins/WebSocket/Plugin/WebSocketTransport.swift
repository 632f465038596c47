import Glibc
import JSONSupport
import PluginABI
import PluginKit
import Synchronization
import WebSocketProtocol

/// The `websocket` transport component: its op `"serve"` listens for WebSocket clients and
/// relays their requests to the host until the host cancels it (docs/PLUGINS.md, "transport,
/// serve"; the client protocol is docs/PROTOCOL.md).
///
/// Threading: `start`, `describe` and the serve op's cancel may come from any thread;
/// `shutdown` (destroy) runs once, last, and blocks until the service thread ended and every
/// submitted host op delivered its terminal event (bounded).
final class WebSocketTransport: ComponentImplementation {
    private struct Serving {
        let loop: ServiceLoop
        let operation: PluginKit.Operation
    }

    let config: WebSocketConfig
    let host: HostLink
    private let serving = Mutex<Serving?>(nil)
    /// The config block as last applied, to tell what a reconfigure changes.
    private let block: Mutex<JSONValue>
    /// Loops that stopped serving and still need their shutdown (at destroy).
    private let stopped = Mutex<[ServiceLoop]>([])

    init(context: CreateContext) throws(PluginError) {
        do throws(WebSocketError) {
            config = try WebSocketConfig(json: context.configJSON)
        } catch {
            throw .invalid(error.message)
        }
        host = HostLink(host: context.host, hostRef: context.hostRef)
        block = Mutex((try? JSONValue.parse(context.configJSON)) ?? .object([:]))
        LWSLog.sink.withLock { $0 = host }
        if let message = FileDescriptorLimit.raise(toServe: config.maxConnections) { host.log(SB_LOG_WARN, message) }
    }

    func start(_ operation: PluginKit.Operation) throws(PluginError) {
        guard operation.op == "serve" else { throw .unsupported("websocket supports only the op \"serve\"") }
        let loop: ServiceLoop
        do throws(WebSocketError) {
            loop = try serving.withLock { serving throws(WebSocketError) -> ServiceLoop in
                guard serving == nil else { throw WebSocketError(.alreadyServing, "websocket is already serving") }
                let loop = try ServiceLoop(config: config, host: host, onExit: { failure in
                    guard let failure else { return }
                    operation.fail(PluginError(SB_ERR_IO, failure), code: "io_error")
                })
                serving = Serving(loop: loop, operation: operation)
                return loop
            }
        } catch {
            throw PluginError(error.code == .alreadyServing ? SB_ERR_BUSY : SB_ERR_IO, error.message)
        }
        operation.onCancel { [weak self] in self?.stopServing(loop) }
        let shown = config.host.contains(":") ? "[\(config.host)]" : config.host
        host.log(SB_LOG_INFO, "listening on ws://\(shown):\(loop.port)\(config.endpoint)"
                 + (config.apiKeys.isEmpty ? " (no API keys: every client is owner '\(WebSocketConfig.defaultOwner)')" : " (\(config.apiKeys.count) API keys)"))
    }

    /// Applies a changed block without a restart: the rate limits (the bypass list edited through
    /// the admin API is kept). Any other change needs a restart and is refused, naming the keys.
    func reconfigure(configJSON: String) throws(PluginError) {
        let new: WebSocketConfig
        do throws(WebSocketError) { new = try WebSocketConfig(json: configJSON) } catch { throw .invalid(error.message) }
        let fresh = (try? JSONValue.parse(configJSON))?.objectValue ?? [:]  // an object: WebSocketConfig read it
        let current = block.withLock { $0.objectValue ?? [:] }
        let changed = Set(fresh.keys).union(current.keys).filter { $0 != "rate_limits" && fresh[$0] != current[$0] }.sorted()
        guard changed.isEmpty else {
            throw .unsupported("websocket applies only rate_limits live; \(changed.joined(separator: ", ")) need a restart")
        }
        serving.withLock { $0?.loop }?.limiter.withLock { $0.update(new.http.rateLimits) }
        block.withLock { $0 = .object(fresh) }
        host.log(SB_LOG_INFO, "rate limits reconfigured")
    }

    /// The serve op was cancelled: close connections now (without blocking); `shutdown` finishes.
    private func stopServing(_ loop: ServiceLoop) {
        serving.withLock { serving in if serving?.loop === loop { serving = nil } }
        stopped.withLock { $0.append(loop) }
        loop.requestStop()
    }

    func describe() -> String? {
        guard let loop = serving.withLock({ $0?.loop }) else {
            return JSONValue.object(["state": .string("idle"), "host": .string(config.host), "endpoint": .string(config.endpoint)]).jsonText
        }
        return JSONValue.object([
            "state": .string(loop.isStopping ? "stopping" : "up"),
            "host": .string(config.host), "port": .int(Int64(loop.port)), "endpoint": .string(config.endpoint),
            "connections": .int(Int64(loop.stats.connections.load(ordering: .relaxed))),
            "max_connections": .int(Int64(config.maxConnections)),
            "requests": .int(Int64(loop.runningRequests)),
            "queued_bytes": .int(Int64(loop.queuedBytes)),
            "counters": loop.stats.json,
        ]).jsonText
    }

    func shutdown() {
        var loops = stopped.withLock { loops in defer { loops = [] }; return loops }
        if let still = serving.withLock({ serving in defer { serving = nil }; return serving?.loop }) { loops.append(still) }
        for loop in loops {
            let left = loop.shutdown()
            if left > 0 { host.log(SB_LOG_WARN, "\(left) host requests did not end within 5 s of shutdown") }
        }
    }
}
