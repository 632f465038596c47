import Dispatch
import Foundation
import JSONSupport

extension ServerSupervisor {
    /// The supervisor thread: connect, watch, reconnect with backoff, until stopped.
    func run() {
        var machine = SupervisionMachine(policy: settings.policy)
        var action = machine.start()
        while !isStopping {
            switch action {
            case .connect:
                action = connectAndWatch(&machine)
            case .wait(let until):
                sleep(until: until)
                action = machine.tick(now: Monotonic.now)
            case .giveUp(let reason):
                log(.error, "giving up after \(machine.failures) failed attempts in a row (connection.max_reconnect_attempts \(settings.policy.maxAttempts)): \(reason)")
                update { $0.state = "failed"; $0.retryAt = nil }
                sleep(until: .infinity)
            case .none:
                action = machine.tick(now: Monotonic.now)
                if action == .none { sleep(until: Monotonic.now + 1) }
            }
        }
        if let connection = flags.withLock({ $0.current }) { closeAndLog(connection, reason: "shutting down") }
    }

    /// One connection's life: returns what the machine says after it failed or ended.
    private func connectAndWatch(_ machine: inout SupervisionMachine) -> SupervisionMachine.Action {
        update { $0.state = "starting"; $0.retryAt = nil }
        let connection: ServerConnection
        do throws(MCPError) {
            connection = try connect()
        } catch {
            guard !isStopping else { return .none }
            log(.warn, "cannot connect: \(error.message)")
            let action = machine.connectFailed(now: Monotonic.now, reason: error.message)
            if case .wait(let until) = action { log(.info, "retrying in \(PendingRequest.seconds(until - Monotonic.now))") }
            update { $0.state = "down"; $0.lastError = error.message; $0.failures = machine.failures; $0.retryAt = action.retryAt; $0.pid = nil }
            return action
        }
        _ = machine.connected(now: Monotonic.now)
        update { snapshot in
            snapshot.state = "up"
            snapshot.failures = 0
            snapshot.restarts = max(0, machine.connections - 1)
            snapshot.connection = connection
        }
        let reason = watch(connection)
        guard !isStopping else { return .none }
        log(.warn, "connection lost: \(reason)")
        let action = machine.lost(now: Monotonic.now, reason: reason)
        update { snapshot in  // its tools disappear now; calls learn when it comes back
            (snapshot.state, snapshot.connection, snapshot.lastError) = ("down", nil, reason)
            (snapshot.failures, snapshot.retryAt) = (machine.failures, action.retryAt)
        }
        if case .wait(let until) = action { log(.info, "restarting in \(PendingRequest.seconds(until - Monotonic.now))") }
        closeAndLog(connection, reason: reason)
        update { $0.pid = nil }
        return action
    }

    /// Spawns or connects, settles the session and lists everything, within connection_timeout.
    private func connect() throws(MCPError) -> ServerConnection {
        let deadline = Monotonic.now + settings.connectionTimeout
        let (transport, channel) = try ServerLaunch.transport(for: definition, settings: settings)
        flags.withLock { $0 = Flags(stopping: $0.stopping) }
        let connection = ServerConnection(server: definition.name, transport: transport, channel: channel, limits: settings, log: log) { [weak self] event in
            self?.connectionEvent(event)
        }
        flags.withLock { $0.current = connection }
        do throws(MCPError) {
            try connection.open()
            update { $0.pid = transport.processID }
            let probe = min(5, max(0.5, settings.connectionTimeout / 3))
            let session = try connection.establish(hint: lastEra.withLock { $0 }, deadline: deadline, probeTimeout: probe)
            lastEra.withLock { $0 = session.era }
            let catalog = try CatalogLoader.loadAll(connection, timeout: max(0.1, min(requestTimeout, deadline - Monotonic.now)))
            CatalogLoader.subscribe(connection, settings: settings, log: log)
            let name = session.serverInfo?["name"]?.stringValue.map { " (\($0) \(session.serverInfo?["version"]?.stringValue ?? ""))" } ?? ""
            log(.info, "up\(name): protocol \(session.version) (\(session.era.rawValue)), \(catalog.tools.count) tools, "
                + "\(catalog.prompts.count) prompts, \(catalog.resources.count) resources")
            update { $0.catalog = catalog; $0.session = session }
            return connection
        } catch {
            lastEra.withLock { $0 = nil }  // detect afresh next time
            closeAndLog(connection, reason: error.message)
            flags.withLock { $0.current = nil }
            throw error
        }
    }

    /// Watches a connection until it ends; returns why.
    private func watch(_ connection: ServerConnection) -> String {
        var nextPing = settings.pingInterval > 0 ? Monotonic.now + settings.pingInterval : Double.infinity
        while true {
            let flags = self.flags.withLock { flags -> Flags in
                defer { flags.listChanged = []; flags.sessionExpired = false }
                return flags
            }
            if flags.stopping { return "shutting down" }
            if let closed = flags.closed { return "the server stopped: \(closed)" }
            if let failure = flags.pingFailed { return "the server is not answering (\(failure))" }
            if flags.sessionExpired, let failure = renewSession(connection) { return failure }
            if !flags.listChanged.isEmpty { relist(flags.listChanged, connection) }
            connection.expireOverdue()
            let now = Monotonic.now
            if now >= nextPing {
                ping(connection)
                nextPing = now + settings.pingInterval
            }
            sleep(until: min(nextPing, connection.earliestDeadline, now + 0.25))
        }
    }

    private var requestTimeout: Double { definition.timeout ?? settings.requestTimeout }

    /// Liveness: legacy `ping`; modern servers have no ping, so `server/discover`. Any answer,
    /// even an error, means alive; only silence until ping_timeout means hung.
    private func ping(_ connection: ServerConnection) {
        guard flags.withLock({ flags -> Bool in defer { flags.pingInFlight = true }; return !flags.pingInFlight }) else { return }
        let method = connection.session?.era == .modern ? "server/discover" : "ping"
        connection.request(method, params: nil, timeout: settings.pingTimeout, maxTimeout: settings.pingTimeout) { [weak self] result in
            guard let self else { return }
            flags.withLock { flags in
                flags.pingInFlight = false
                if case .failure(let error) = result, error.code == .timeout { flags.pingFailed = "no answer to \(method) within \(PendingRequest.seconds(settings.pingTimeout))" }
            }
            wakeup.signal()
        }
    }

    /// A 404 for the session: re-initialize, then send the refused requests again.
    /// - Returns: nil when renewed, else why the connection must be restarted.
    private func renewSession(_ connection: ServerConnection) -> String? {
        log(.info, "the session expired (HTTP 404); re-initializing")
        do throws(MCPError) {
            try connection.establish(hint: .legacy, deadline: Monotonic.now + settings.connectionTimeout,
                                     probeTimeout: settings.connectionTimeout)
            connection.resendAfterNewSession()
            relist(["tools", "prompts", "resources"], connection)
            CatalogLoader.subscribe(connection, settings: settings, log: log)
            return nil
        } catch {
            connection.resendAfterNewSession(failure: error)
            return "the session expired and re-initializing failed: \(error.message)"
        }
    }

    private func relist(_ kinds: Set<String>, _ connection: ServerConnection) {
        var catalog = snapshot.catalog ?? ServerCatalog()
        for kind in kinds.sorted() {
            do throws(MCPError) { try CatalogLoader.reload(kind, into: &catalog, connection, timeout: requestTimeout) } catch {
                guard !isStopping else { return }
                log(.warn, "cannot list \(kind) after a change: \(error.message)")
            }
        }
        log(.info, "\(kinds.sorted().joined(separator: ", ")) changed: now \(catalog.tools.count) tools, \(catalog.prompts.count) prompts, \(catalog.resources.count) resources")
        update { $0.catalog = catalog }
    }

    /// From transport threads: note the event and wake the supervisor thread.
    private func connectionEvent(_ event: ConnectionEvent) {
        flags.withLock { flags in
            switch event {
            case .closed(let reason): flags.closed = reason
            case .listChanged(let kind): flags.listChanged.insert(kind)
            case .resourceUpdated: flags.listChanged.insert("resources")
            case .sessionExpired: flags.sessionExpired = true
            }
        }
        wakeup.signal()
    }

    /// Closes a connection (once: a second caller returns at once) and logs how a process ended.
    func closeAndLog(_ connection: ServerConnection, reason: String) {
        let ending = connection.close(reason: reason)
        flags.withLock { if $0.current === connection { $0.current = nil } }
        if definition.transportName == "stdio", let ending, ending != "not started" { log(.info, "process \(ending)") }
    }

    /// Sleeps until `deadline` (monotonic seconds), or until woken by an event or `beginStop()`.
    func sleep(until deadline: Double) {
        guard !isStopping else { return }
        let seconds = deadline - Monotonic.now
        guard seconds > 0 else { return }
        _ = wakeup.wait(timeout: seconds.isFinite ? .now() + seconds : .distantFuture)
    }
}

extension SupervisionMachine.Action {
    var retryAt: Double? {
        if case .wait(let until) = self { return until }
        return nil
    }
}
