import Dispatch
import JSONSupport
import Synchronization

/// Every configured server, each under its own supervisor, seen as one tool source: the merged
/// catalog, calls routed by exposed name, and a status per server.
///
/// One bad server never blocks the others: each connects on its own thread, and `start()`
/// returns at once. A call to a server that is down fails at once with `.serverDown`.
/// Thread-safe; `start()` and `stop()` are called once each, by the owner.
public final class ServerFleet: Sendable {
    /// A request in flight, for cancelling it.
    public struct Ticket: Sendable {
        let connection: ServerConnection
        let id: RequestID

        /// Stops waiting and tells the server (notifications/cancelled, or closing the HTTP stream).
        public func cancel(reason: String = "cancelled by the client") { connection.cancel(id, reason: reason) }
    }

    private struct Published {
        var catalog = MergedCatalog()
        var state = ""
    }

    /// The servers and the settings they run with; replaced by `update`.
    private struct Members {
        var settings: ClientSettings
        var supervisors: [String: ServerSupervisor]
    }

    /// What `update` changed, by server name.
    public struct Update: Sendable, Equatable {
        public var added: [String] = []
        public var removed: [String] = []
        public var restarted: [String] = []
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty && restarted.isEmpty }
    }

    private let members: Mutex<Members>
    /// Serializes changes to the set of servers (a reload, an operator's restart): each blocks while servers stop.
    private let changing = Mutex(())
    /// Held across a whole refresh, so a stale computation never overwrites a newer one.
    private let published = Mutex(Published())
    private let onCatalogChange: @Sendable () -> Void
    private let onStateChange: @Sendable (JSONValue) -> Void
    private let log: @Sendable (String?, LogLevel, String) -> Void
    private let holder = WeakFleet()

    public var settings: ClientSettings { members.withLock { $0.settings } }
    private var supervisors: [String: ServerSupervisor] { members.withLock { $0.supervisors } }

    /// - Parameters:
    ///   - log: every line, with the server it concerns (nil: the fleet itself).
    ///   - onCatalogChange: the merged listing changed (a server came up, went down, or re-listed).
    ///   - onStateChange: `{"state": "up"|"degraded"|"down", "detail": ...}` changed.
    public init(definitions: [ServerDefinition], settings: ClientSettings, log: @escaping @Sendable (String?, LogLevel, String) -> Void,
                onCatalogChange: @escaping @Sendable () -> Void, onStateChange: @escaping @Sendable (JSONValue) -> Void) {
        self.onCatalogChange = onCatalogChange
        self.onStateChange = onStateChange
        self.log = log
        members = Mutex(Members(settings: settings, supervisors: [:]))
        holder.fleet = self
        let supervisors = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, makeSupervisor($0, settings)) })
        members.withLock { $0.supervisors = supervisors }
    }

    private func makeSupervisor(_ definition: ServerDefinition, _ settings: ClientSettings) -> ServerSupervisor {
        if let problem = definition.problem { log(definition.name, .error, "not started: \(problem)") }
        let holder = self.holder, log = self.log
        return ServerSupervisor(definition: definition, settings: settings,
                                log: { level, line in log(definition.name, level, line) },
                                onChange: { holder.fleet?.refresh() })
    }

    /// Starts every enabled server's supervisor; returns at once.
    public func start() {
        for supervisor in supervisors.values { supervisor.start() }
        refresh()
    }

    /// Stops every server in parallel and waits for all of them (bounded by the stop sequence).
    public func stop() {
        Self.stop(Array(supervisors.values))
    }

    private static func stop(_ all: [ServerSupervisor]) {
        for supervisor in all { supervisor.beginStop() }
        DispatchQueue.concurrentPerform(iterations: all.count) { all[$0].stop() }
    }

    /// Applies a new server list and settings to a started fleet: servers that are new start,
    /// servers no longer listed stop, servers whose definition changed restart (all of them when
    /// the settings changed), and the others keep running untouched. Blocks while servers stop.
    /// The merged catalog is refreshed (`onCatalogChange` fires when it changed).
    /// - Important: call from one thread at a time (the host's configuration thread), after `start()`.
    @discardableResult
    public func update(definitions: [ServerDefinition], settings: ClientSettings) -> Update {
        changing.withLock { _ in apply(definitions: definitions, settings: settings) }
    }

    private func apply(definitions: [ServerDefinition], settings: ClientSettings) -> Update {
        var update = Update()
        var retired: [ServerSupervisor] = []
        var fresh: [ServerSupervisor] = []
        members.withLock { members in
            let old = members.supervisors
            var next: [String: ServerSupervisor] = [:]
            for definition in definitions {
                if let running = old[definition.name], running.definition == definition, members.settings == settings {
                    next[definition.name] = running
                    continue
                }
                let made = makeSupervisor(definition, settings)
                next[definition.name] = made
                fresh.append(made)
                if let running = old[definition.name] {
                    retired.append(running)
                    update.restarted.append(definition.name)
                } else {
                    update.added.append(definition.name)
                }
            }
            for (name, running) in old where next[name] == nil {
                retired.append(running)
                update.removed.append(name)
            }
            members = Members(settings: settings, supervisors: next)
        }
        refresh()  // removed servers leave the catalog at once
        Self.stop(retired)
        for supervisor in fresh { supervisor.start() }
        refresh()
        (update.added, update.removed, update.restarted) = (update.added.sorted(), update.removed.sorted(), update.restarted.sorted())
        return update
    }

    /// Restarts one server (an operator's action): a fresh supervisor with the same definition
    /// replaces the running one, whatever its state, with its failure count reset.
    /// - Returns: false when no server has that name. Blocks while the old process stops.
    public func restart(_ name: String) -> Bool {
        changing.withLock { _ in replace(name) }
    }

    private func replace(_ name: String) -> Bool {
        let swapped: (old: ServerSupervisor, new: ServerSupervisor)? = members.withLock { members in
            guard let running = members.supervisors[name] else { return nil }
            let made = makeSupervisor(running.definition, members.settings)
            members.supervisors[name] = made
            return (running, made)
        }
        guard let swapped else { return false }
        refresh()
        Self.stop([swapped.old])
        swapped.new.start()
        refresh()
        return true
    }

    public var catalog: MergedCatalog { published.withLock { $0.catalog } }

    /// Calls a tool by its exposed name. `completion` gets the server's result or the failure
    /// (`.notFound`, `.serverDown`, `.timeout`, `.serverError`, ...); never after `ticket.cancel()`.
    /// - Parameter timeout: seconds for this call (capped by requests.max_timeout); nil: the server's default.
    @discardableResult
    public func callTool(_ name: String, arguments: JSONValue, timeout: Double?, progress: (@Sendable (ProgressUpdate) -> Void)?,
                         completion: @escaping @Sendable (Route?, Result<JSONValue, MCPError>) -> Void) -> Ticket? {
        guard let route = route(name, kind: "tool", in: \.toolRoutes, orFail: completion) else { return nil }
        let params: JSONValue = .object(["name": .string(route.name), "arguments": arguments])
        return send("tools/call", params: params, to: route.server, name: route.name, timeout: timeout, progress: progress) {
            completion(route, $0)
        }
    }

    /// Gets a prompt by its exposed name, with string arguments.
    @discardableResult
    public func getPrompt(_ name: String, arguments: [String: String],
                          completion: @escaping @Sendable (Route?, Result<JSONValue, MCPError>) -> Void) -> Ticket? {
        guard let route = route(name, kind: "prompt", in: \.promptRoutes, orFail: completion) else { return nil }
        let params: JSONValue = .object(["name": .string(route.name), "arguments": .object(arguments.mapValues(JSONValue.string))])
        return send("prompts/get", params: params, to: route.server, name: route.name, timeout: nil, progress: nil) { completion(route, $0) }
    }

    /// Reads a resource: from `server` if given, else from the server that listed `uri`.
    @discardableResult
    public func readResource(_ uri: String, server: String?,
                             completion: @escaping @Sendable (String?, Result<JSONValue, MCPError>) -> Void) -> Ticket? {
        let listedBy = catalog.resourceServers[uri] ?? []
        let supervisors = self.supervisors
        let target: String?
        if let server {
            target = supervisors[server] == nil ? nil : server
        } else {
            target = listedBy.first ?? (supervisors.count == 1 ? supervisors.keys.first : nil)
        }
        guard let target else {
            let message = server.map { "unknown server '\($0.prefix(200))'" } ?? "no server lists the resource '\(uri.prefix(500))'; name the server"
            completion(nil, .failure(MCPError(.notFound, message)))
            return nil
        }
        return send("resources/read", params: .object(["uri": .string(uri)]), to: target, name: uri, timeout: nil, progress: nil) {
            completion(target, $0)
        }
    }

    /// The server of an exposed tool or prompt name; nil after telling `completion` why there is
    /// none: the server is down (its route is known) or the name is unknown.
    private func route(_ name: String, kind: String, in routes: KeyPath<MergedCatalog, [String: Route]>,
                       orFail completion: @Sendable (Route?, Result<JSONValue, MCPError>) -> Void) -> Route? {
        let catalog = self.catalog
        if let route = catalog[keyPath: routes][name] { return route }
        if let route = catalog.downRoutes[name] {
            completion(route, .failure(downError(route.server)))
        } else {
            completion(nil, .failure(MCPError(.notFound, "unknown \(kind) '\(name.prefix(200))'")))
        }
        return nil
    }

    private func send(_ method: String, params: JSONValue, to server: String, name: String, timeout: Double?,
                      progress: (@Sendable (ProgressUpdate) -> Void)?, completion: @escaping RequestCompletion) -> Ticket? {
        guard let supervisor = supervisors[server], let connection = supervisor.connection else {
            completion(.failure(downError(server)))
            return nil
        }
        let settings = self.settings
        let seconds = min(timeout ?? supervisor.definition.timeout ?? settings.requestTimeout, settings.maxRequestTimeout)
        guard let id = connection.request(method, params: params, name: name, timeout: seconds, maxTimeout: settings.maxRequestTimeout,
                                          progress: progress, completion: completion) else { return nil }
        return Ticket(connection: connection, id: id)
    }

    private func downError(_ server: String) -> MCPError {
        guard let snapshot = supervisors[server]?.snapshot else { return .serverDown("server '\(server)' is not configured") }
        var message = "server '\(server)' is \(snapshot.state == "starting" ? "still starting" : snapshot.state)"
        if let error = snapshot.lastError { message += " (\(error))" }
        if let retryAt = snapshot.retryAt, snapshot.state == "down" {
            message += "; next attempt in \(PendingRequest.seconds((max(0, retryAt - Monotonic.now) * 10).rounded() / 10))"
        }
        return .serverDown(message)
    }

    /// `{"state", "servers": [...]}` for the "status" op and describe().
    public var status: JSONValue {
        let supervisors = self.supervisors
        let servers = supervisors.keys.sorted().compactMap { supervisors[$0]?.statusJSON }
        return .object(["state": .string(Self.overallState(servers)), "servers": .array(servers)])
    }

    /// up: every enabled server is up (or there are none); down: none is; degraded otherwise.
    static func overallState(_ servers: [JSONValue]) -> String {
        let enabled = servers.filter { $0["state"]?.stringValue != "disabled" }
        let up = enabled.filter { $0["state"]?.stringValue == "up" }.count
        if up == enabled.count { return "up" }
        return up == 0 ? "down" : "degraded"
    }

    /// Recomputes the merged catalog and the overall state; reports what changed, in order.
    func refresh() {
        published.withLock { published in
            var known: [String: ServerCatalog] = [:]
            var up = Set<String>()
            var states: [String] = []
            let supervisors = self.supervisors
            for (name, supervisor) in supervisors {
                let snapshot = supervisor.snapshot
                if let catalog = snapshot.catalog { known[name] = catalog }
                if snapshot.state == "up" { up.insert(name) }
                if supervisor.definition.enabled { states.append("\(name): \(snapshot.state)") }
            }
            let merged = MergedCatalog(known: known, up: up)
            let state = Self.overallState(supervisors.values.map(\.statusJSON))
            let detail = states.sorted().joined(separator: ", ")
            if published.catalog != merged {
                published.catalog = merged
                onCatalogChange()
            }
            if published.state != state + detail {
                published.state = state + detail
                onStateChange(.object(["state": .string(state), "detail": .string(detail)]))
            }
        }
    }
}

/// Lets supervisors reach the fleet that owns them without a retain cycle.
private final class WeakFleet: @unchecked Sendable {  // written once, in the fleet's init, before any supervisor exists
    weak var fleet: ServerFleet?
}
