import Dispatch
import Foundation
import JSONSupport
import Synchronization

/// Keeps one server connected: its own thread connects (spawn or HTTP, handshake, listing),
/// watches the connection (crash, ping timeout = hung, expired session, list changes, request
/// deadlines) and reconnects with backoff (`SupervisionMachine`) until stopped or given up.
///
/// Thread-safe: `connection`, `status` and `catalog` may be read from any thread. `start()` and
/// `stop()` are called once each by the owner; `stop()` blocks until the server is shut down
/// (stdio: close stdin, wait, SIGTERM, SIGKILL, reaped) and the thread has ended.
public final class ServerSupervisor: Sendable {
    /// What the owner sees; `onChange` fires after each change of it.
    public struct Snapshot: Sendable {
        public var state = "starting"
        public var connection: ServerConnection?
        public var catalog: ServerCatalog?
        public var session: SessionInfo?
        public var pid: Int32?
        public var lastError: String?
        public var failures = 0
        public var restarts = 0
        public var retryAt: Double?
    }

    struct Flags {
        var stopping = false
        var closed: String?
        var listChanged: Set<String> = []
        var sessionExpired = false
        var pingFailed: String?
        var pingInFlight = false
        /// The connection being set up or in use, so `stop()` can interrupt a handshake.
        var current: ServerConnection?
    }

    public let definition: ServerDefinition
    let settings: ClientSettings
    let log: LogSink
    let onChange: @Sendable () -> Void
    let snapshotState: Mutex<Snapshot>
    let flags = Mutex(Flags())
    let wakeup = DispatchSemaphore(value: 0)
    private let thread = Mutex<JoinableThread?>(nil)
    /// The era the last process of this server spoke; `.legacy` skips discovery next time.
    let lastEra = Mutex<ProtocolEra?>(nil)

    /// - Parameters:
    ///   - log: receives this server's lines (the caller adds the server's name).
    ///   - onChange: state or catalog changed; called on the supervisor thread, must return quickly.
    public init(definition: ServerDefinition, settings: ClientSettings, log: @escaping LogSink, onChange: @escaping @Sendable () -> Void) {
        self.definition = definition
        self.settings = settings
        self.log = log
        self.onChange = onChange
        var initial = Snapshot()
        if let problem = definition.problem {
            (initial.state, initial.lastError) = ("failed", problem)
        } else if !definition.enabled {
            initial.state = "disabled"
        }
        snapshotState = Mutex(initial)
    }

    public var snapshot: Snapshot { snapshotState.withLock { $0 } }

    /// The connection while the server is up; nil otherwise.
    public var connection: ServerConnection? {
        snapshotState.withLock { $0.state == "up" ? $0.connection : nil }
    }

    /// Starts the supervisor thread (nothing for disabled or misconfigured servers).
    public func start() {
        guard definition.enabled, definition.problem == nil else { return }
        let started = JoinableThread(name: "mcp-supervisor") { [self] in run() }
        if started == nil { update { $0.state = "failed"; $0.lastError = "cannot start a thread" } }
        thread.withLock { $0 = started }
    }

    /// Asks the thread to stop without waiting (so many servers can stop in parallel).
    public func beginStop() {
        flags.withLock { $0.stopping = true }
        wakeup.signal()
    }

    /// Stops: interrupts a handshake, shuts the server down, joins the thread. Idempotent.
    public func stop() {
        beginStop()
        if let current = flags.withLock({ $0.current }) { closeAndLog(current, reason: "shutting down") }
        thread.withLock { thread -> JoinableThread? in defer { thread = nil }; return thread }?.join()
        update { $0.state = "stopped"; $0.connection = nil; $0.pid = nil }
    }

    var isStopping: Bool { flags.withLock { $0.stopping } }

    func update(_ change: (inout Snapshot) -> Void) {
        snapshotState.withLock { change(&$0) }
        onChange()
    }

    /// The status object for the "status" op and describe().
    public var statusJSON: JSONValue {
        let snapshot = self.snapshot
        var object: [String: JSONValue] = [
            "name": .string(definition.name), "transport": .string(definition.transportName), "state": .string(snapshot.state),
            "enabled": .bool(definition.enabled), "restarts": .int(Int64(snapshot.restarts)), "failures": .int(Int64(snapshot.failures)),
            "tools": .int(Int64(snapshot.catalog?.tools.count ?? 0)), "prompts": .int(Int64(snapshot.catalog?.prompts.count ?? 0)),
            "resources": .int(Int64(snapshot.catalog?.resources.count ?? 0)),
        ]
        if let session = snapshot.session, snapshot.state == "up" {
            object["era"] = .string(session.era.rawValue)
            object["protocol_version"] = .string(session.version)
            if let info = session.serverInfo { object["server_info"] = info }
        }
        if let pid = snapshot.pid { object["pid"] = .int(Int64(pid)) }
        if let error = snapshot.lastError { object["last_error"] = .string(error) }
        if let retryAt = snapshot.retryAt, snapshot.state == "down" {
            object["retry_in_seconds"] = .double((max(0, retryAt - Monotonic.now) * 10).rounded() / 10)
        }
        if let description = definition.description { object["description"] = .string(description) }
        return .object(object)
    }
}
