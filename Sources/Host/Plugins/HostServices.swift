import Synchronization

/// What the host offers plugins through `sb_host_api`: the log, metrics, the effective
/// configuration, request submission and state notifications.
///
/// Thread-safe: plugins call in from any thread. One instance serves a whole `switchboard run`
/// (tests make their own to capture logs).
public final class HostServices: Sendable {
    public let logger: Logger
    public let metrics = MetricsRegistry()
    private let configuration: Mutex<JSONValue>
    private let handler = Mutex<(any HostRequestHandler)?>(nil)
    private let states = Mutex<[String: String]>([:])
    private let catalogChanges = Atomic<UInt64>(0)
    /// Every context handed out. Together with `InstanceContext.services` this is a deliberate
    /// cycle: services and contexts live for the process, so no `host_ref` can ever dangle.
    private let contexts = Mutex<[InstanceContext]>([])

    public init(logger: Logger, configuration: JSONValue = .object([:])) {
        self.logger = logger
        self.configuration = Mutex(configuration)
    }

    /// The effective configuration that `sb_host_api.config_get` reads.
    public var configurationDocument: JSONValue {
        get { configuration.withLock { $0 } }
        set { configuration.withLock { $0 = newValue } }
    }

    /// Who answers `sb_host_api.submit`; nil refuses every request as unavailable.
    public var requestHandler: (any HostRequestHandler)? {
        get { handler.withLock { $0 } }
        set { handler.withLock { $0 = newValue } }
    }

    /// The last `SB_NOTIFY_STATE` JSON each component reported, by component name.
    public var componentStates: [String: String] { states.withLock { $0 } }

    /// Counts `SB_NOTIFY_CATALOG_CHANGED` notifications, so a cached tool listing knows it is stale.
    public var catalogVersion: UInt64 { catalogChanges.load(ordering: .acquiring) }

    func recordCatalogChange() { catalogChanges.add(1, ordering: .releasing) }

    func recordState(of component: String, json: String) {
        states.withLock { $0[component] = json }
    }

    /// A context for one component instance; its address is the `host_ref` the plugin passes back.
    /// Never freed: a plugin thread may still log while its instance shuts down.
    public func makeContext(name: String) -> InstanceContext {
        let context = InstanceContext(name: name, services: self)
        contexts.withLock { $0.append(context) }
        return context
    }
}

/// The host's view of one component instance (or of a plugin during its entry call).
public final class InstanceContext: Sendable {
    public let name: String
    public let services: HostServices

    init(name: String, services: HostServices) {
        self.name = name
        self.services = services
    }

    /// The opaque `host_ref` given to the plugin; valid for the life of the process (see `makeContext`).
    public var hostRef: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }
}

/// Handles requests transports submit through `sb_host_api.submit` (chat turns, conversation ops).
public protocol HostRequestHandler: Sendable {
    /// Starts `op`; events go to `sink`, which delivers exactly one terminal event.
    /// - Returns: a handle for `cancel`.
    /// - Throws: `ComponentError` when the request is refused before anything started.
    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64
    func cancel(handle: UInt64)
}
