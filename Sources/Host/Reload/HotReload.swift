import Foundation
import PluginABI
import Synchronization

/// Hot reload for `switchboard run`: a `ConfigurationReloader`, the `ConfigFileWatcher` that
/// triggers it, and the config ops (`RuntimeConfigOps`) that change the overrides file.
///
/// Usage, once the host serves:
/// ```swift
/// let hotReload = HotReload.start(layers: layers, services: services, registry: registry, chain: chain)
/// services.requestHandler = hotReload.routing(relay)   // config_* ops here, the rest to relay
/// ...
/// hotReload.stop()                                     // before registry.shutdown()
/// ```
public final class HotReload: Sendable {
    public let reloader: ConfigurationReloader
    public let ops: RuntimeConfigOps
    private let watcher: ConfigFileWatcher
    private let open = Atomic<Bool>(true)

    private init(reloader: ConfigurationReloader, ops: RuntimeConfigOps, watcher: ConfigFileWatcher) {
        (self.reloader, self.ops, self.watcher) = (reloader, ops, watcher)
    }

    /// Starts watching plugins.yaml, the overrides file and servers_config.json.
    /// - Important: call after start-up; from then on the registry belongs to the configuration thread until `stop()`.
    public static func start(layers: LayeredConfig, services: HostServices, registry: Registry, chain: ProviderChain?) -> HotReload {
        let reloader = ConfigurationReloader(layers: layers, services: services, registry: registry, chain: chain)
        let ops = RuntimeConfigOps(editor: reloader.editor, reloader: reloader,
                                   pluginOfComponent: registry.components.mapValues(\.pluginName))
        let box = WatcherBox()
        let watcher = ConfigFileWatcher(logger: services.logger) { files in
            let names = files.map { ($0 as NSString).lastPathComponent }.sorted().joined(separator: ", ")
            reloader.queue.async {
                _ = reloader.reload(trigger: "\(names) changed")
                box.watcher?.watch(reloader.watchedFiles)  // a path may have moved
            }
        }
        box.watcher = watcher
        watcher.watch(reloader.watchedFiles)
        watcher.start()
        services.logger.debug("config", "watching \(reloader.watchedFiles.joined(separator: ", ")) for changes")
        return HotReload(reloader: reloader, ops: ops, watcher: watcher)
    }

    /// A request handler that answers the config ops and passes every other op to `handler`.
    public func routing(_ handler: any HostRequestHandler) -> any HostRequestHandler { Router(hotReload: self, other: handler) }

    /// Stops watching and waits for a reload or config op in progress. Idempotent.
    public func stop() {
        guard open.exchange(false, ordering: .acquiringAndReleasing) else { return }
        watcher.stop()
        reloader.queue.sync {}
    }

    private struct Router: HostRequestHandler {
        let hotReload: HotReload
        let other: any HostRequestHandler

        func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
            guard RuntimeConfigOps.ops.contains(op) else { return try other.submit(op: op, request: request, from: caller, sink: sink) }
            guard hotReload.open.load(ordering: .acquiring) else {
                throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "the host is shutting down")
            }
            return try hotReload.ops.submit(op: op, request: request, from: caller, sink: sink)
        }

        // Config ops finish on their own; a handle can only be the other handler's.
        func cancel(handle: UInt64) { other.cancel(handle: handle) }
    }
}

/// Lets the watcher's callback reach the watcher it belongs to (set once, before it starts).
private final class WatcherBox: @unchecked Sendable {
    var watcher: ConfigFileWatcher?
}
