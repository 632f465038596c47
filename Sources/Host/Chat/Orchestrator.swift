import Foundation
import PluginABI
import Synchronization

/// Answers `sb_host_api.submit`: runs chat turns (context, model, tools, persistence) and the
/// conversation, catalog and prompt ops transports offer their clients (docs/PLUGINS.md, "Host ops").
///
/// Thread-safe. No lock is held while calling into a plugin or a transport's callback, except a
/// turn's own delivery lock (see `Turn`); submit and cancel never wait on either.
public final class Orchestrator: HostRequestHandler {
    /// What a handle returned by `submit` refers to.
    private enum Subscription {
        case watcher(Turn, TurnWatcher)
        case task(Task<Void, Never>)
    }

    private struct State {
        var turns: [Turn.Key: Turn] = [:]
        var finished: [Turn.Key] = []
        var handles: [UInt64: Subscription] = [:]
        var turnHandles: [Turn.Key: [UInt64]] = [:]
        /// Turns not yet finished, for a graceful shutdown.
        var running: [Turn.Key: Turn] = [:]
    }

    private let state = Mutex(State())
    private let environment: Mutex<TurnEnvironment>
    private let gate = ConversationGate()
    private let accepting = Atomic<Bool>(true)
    private let nextHandle = Atomic<UInt64>(1)

    public init(settings: ChatSettings, chain: ProviderChain, store: ComponentInstance?, toolSources: [ComponentInstance], services: HostServices) {
        environment = Mutex(TurnEnvironment(settings: settings, chain: chain, store: store,
                                            catalog: ToolCatalog(sources: toolSources, services: services),
                                            estimator: TokenEstimator(), logger: services.logger, metrics: services.metrics))
    }

    /// The settings and providers new turns use; running turns keep the ones they started with.
    public func update(settings: ChatSettings? = nil, chain: ProviderChain? = nil) {
        environment.withLock { current in
            current = TurnEnvironment(settings: settings ?? current.settings, chain: chain ?? current.chain, store: current.store,
                                      catalog: current.catalog, estimator: current.estimator, logger: current.logger, metrics: current.metrics)
        }
    }

    public var settings: ChatSettings { environment.withLock { $0.settings } }

    /// Refuses new requests from now on; cancel keeps working so transports can stop their turns.
    public func stopAccepting() { accepting.store(false, ordering: .releasing) }

    public var isAccepting: Bool { accepting.load(ordering: .acquiring) }

    static let storeOps: Set<String> = ["create_conversation", "list_conversations", "get_conversation", "delete_conversation", "save_conversation",
                                        "unsave_conversation", "set_title"]

    public func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        guard accepting.load(ordering: .acquiring) else {
            throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "the host is shutting down")
        }
        let known = ["chat", "resume", "cancel", "list_catalog", "apply_prompt", "read_resource", "servers", "restart_server"]
        guard known.contains(op) || Self.storeOps.contains(op) else {
            throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "unknown op '\(op)' (this host supports: \((known + Self.storeOps.sorted()).joined(separator: ", ")))")
        }
        guard let json = try? JSONValue.parse(request) else { throw HostOpRequest.invalid("the request is not valid JSON") }
        let fields = try HostOpRequest.object(json)
        let owner = try HostOpRequest.string(fields, "owner")
        let handle = nextHandle.wrappingAdd(1, ordering: .relaxed).oldValue
        let environment = environment.withLock { $0 }
        switch op {
        case "chat":
            try startChat(ChatRequest(json), handle: handle, sink: sink, environment: environment)
        case "resume":
            let requestID = try HostOpRequest.string(fields, "request_id")
            guard case .int(let after)? = fields["after_seq"] ?? .int(0), after >= 0 else { throw HostOpRequest.invalid("after_seq must be a non-negative integer") }
            join(Turn.Key(owner: owner, requestID: requestID), after: after, handle: handle, sink: sink)
        case "cancel":
            let key = Turn.Key(owner: owner, requestID: try HostOpRequest.string(fields, "request_id"))
            let turn = state.withLock { $0.turns[key] }
            runTask(handle: handle, sink: sink) {
                guard let turn, !turn.isFinished else { return .failure(OperationFailure(code: "not_found", message: "no running turn has request_id '\(key.requestID)'", status: SB_ERR_NOT_FOUND)) }
                turn.cancel()
                return .success(.object(["cancelled": .bool(true), "request_id": .string(key.requestID)]))
            }
        case "list_catalog":
            runTask(handle: handle, sink: sink) { .success(await environment.catalog.listing().json) }
        case "apply_prompt":
            let name = try HostOpRequest.string(fields, "name")
            let conversation = try HostOpRequest.optionalString(fields, "conversation_id") ?? Self.newConversationID()
            let source = try HostOpRequest.optionalString(fields, "source")
            guard fields["arguments"] == nil || fields["arguments"]?.objectValue != nil else { throw HostOpRequest.invalid("arguments must be an object") }
            runTask(handle: handle, sink: sink) {
                await Self.applyPrompt(name: name, arguments: fields["arguments"] ?? .object([:]), source: source, owner: owner,
                                       conversation: conversation, environment: environment)
            }
        case "read_resource":
            let uri = try HostOpRequest.string(fields, "uri")
            let source = try HostOpRequest.optionalString(fields, "source")
            runTask(handle: handle, sink: sink) {
                let listing = await environment.catalog.listing()
                guard let instance = environment.catalog.source(ofResource: uri, named: source, in: listing) else {
                    return .failure(OperationFailure(code: "not_found", message: "no tool source offers the resource '\(uri)'", status: SB_ERR_NOT_FOUND))
                }
                return await ComponentCall.json(instance, op: "read_resource", request: .object(["uri": .string(uri)]))
            }
        case "servers":  // admin: each tool source's status (the mcp source lists its servers)
            runTask(handle: handle, sink: sink) {
                var sources: [String: JSONValue] = [:]
                for source in environment.catalog.sources {
                    if case .success(let status) = await ComponentCall.json(source, op: "status", request: .object([:])) { sources[source.name] = status }
                }
                return .success(.object(["sources": .object(sources)]))
            }
        case "restart_server":  // admin: restarts one MCP server
            let server = try HostOpRequest.string(fields, "server")
            let named = try HostOpRequest.optionalString(fields, "source")
            runTask(handle: handle, sink: sink) {
                var last = OperationFailure(code: "not_found", message: "no tool source has a server named '\(server)'", status: SB_ERR_NOT_FOUND)
                for source in environment.catalog.sources where named == nil || source.name == named {
                    switch await ComponentCall.json(source, op: "restart", request: .object(["server": .string(server)])) {
                    case .success(let result): return .success(result)
                    case .failure(let failure) where failure.status != SB_ERR_UNSUPPORTED: last = failure
                    case .failure: continue
                    }
                }
                return .failure(last)
            }
        default:  // a store op, passed on with the owner the transport authenticated
            guard let store = environment.store else { throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "no store is active") }
            // The host names new conversations.
            let named = op == "create_conversation" && fields["conversation_id"] == nil
                ? JSONValue.object(fields.merging(["conversation_id": .string(Self.newConversationID())]) { $1 }) : json
            runTask(handle: handle, sink: sink) { await ComponentCall.json(store, op: op, request: named) }
        }
        return handle
    }

    public func cancel(handle: UInt64) {
        let subscription = state.withLock { $0.handles.removeValue(forKey: handle) }
        switch subscription {
        case .watcher(let turn, let watcher)?:
            watcher.detached.store(true, ordering: .releasing)
            // Off the caller's thread: a transport may cancel from inside its event callback.
            Task {
                if !turn.detach(handle: handle) { turn.cancel() }
            }
        case .task(let task)?: task.cancel()
        case nil: break
        }
    }

    // MARK: - Turns

    private func startChat(_ request: ChatRequest, handle: UInt64, sink: PluginEventSink, environment: TurnEnvironment) throws(ComponentError) {
        let key = Turn.Key(owner: request.owner, requestID: request.requestID)
        let conversation = request.conversationID ?? Self.newConversationID()
        let turn = Turn(key: key, conversationID: conversation)
        let watcher = TurnWatcher(handle: handle, sink: sink)
        let existing = state.withLock { state -> Turn? in
            if let existing = state.turns[key] { return existing }
            state.turns[key] = turn
            state.running[key] = turn
            state.handles[handle] = .watcher(turn, watcher)
            state.turnHandles[key] = [handle]
            return nil
        }
        if existing != nil {
            // The same request id again: replay that turn instead of calling the model twice.
            join(key, after: 0, handle: handle, sink: sink)
            return
        }
        _ = turn.attach(watcher, after: 0)
        let gateKey = request.owner + "\u{0}" + conversation
        let started = ContinuousClock.now
        let task = Task {
            let ending: PluginEvent
            do throws(ConversationGate.Refusal) {
                try await gate.acquire(gateKey, policy: environment.settings.busy, maxQueued: environment.settings.maxQueued)
                ending = await TurnRunner(turn: turn, request: request, environment: environment).run()
                gate.release(gateKey)
            } catch .busy(let queued) {
                ending = PluginEvent(kind: .error, text: "conversation \(conversation) is busy with another request"
                                     + (environment.settings.busy == .queue ? " and \(queued) more are waiting" : ""),
                                     name: "conversation_busy", status: SB_ERR_BUSY)
            } catch {
                ending = PluginEvent(kind: .cancelled)
            }
            self.finish(turn, with: ending)
            self.logEnd(of: turn, request: request, ending: ending, after: ContinuousClock.now - started, logger: environment.logger)
        }
        turn.setRunner(task)
    }

    private func finish(_ turn: Turn, with ending: PluginEvent) {
        let (settings, metrics) = environment.withLock { ($0.settings, $0.metrics) }
        turn.finish(ending, now: DispatchTime.now().uptimeNanoseconds)
        let outcome = ending.kind == .done ? "done" : ending.kind == .cancelled ? "cancelled" : ending.name == "conversation_busy" ? "busy" : "error"
        metrics.count("switchboard_turns_total", "outcome=\"\(outcome)\"")
        // A refused turn is forgotten at once, so the same request id may be tried again.
        let keep = ending.name != "conversation_busy" && settings.replayTurns > 0
        state.withLock { state in
            state.running[turn.key] = nil
            for handle in state.turnHandles.removeValue(forKey: turn.key) ?? [] { state.handles[handle] = nil }
            if keep { state.finished.append(turn.key) } else { state.turns[turn.key] = nil }
            let now = DispatchTime.now().uptimeNanoseconds
            let maxAge = UInt64(settings.replaySeconds * 1e9)
            var expired = 0
            while expired < state.finished.count,
                  state.finished.count - expired > settings.replayTurns
                    || now - (state.turns[state.finished[expired]]?.finishedAt.load(ordering: .acquiring) ?? 0) > maxAge {
                state.turns[state.finished[expired]] = nil
                expired += 1
            }
            state.finished.removeFirst(expired)
        }
    }

    /// Attaches a watcher to a known turn (a repeated request id or `resume`), replaying after `after`.
    private func join(_ key: Turn.Key, after: Int64, handle: UInt64, sink: PluginEventSink) {
        let watcher = TurnWatcher(handle: handle, sink: sink)
        let turn = state.withLock { state -> Turn? in
            guard let turn = state.turns[key] else { return nil }
            if !turn.isFinished {
                state.handles[handle] = .watcher(turn, watcher)
                state.turnHandles[key, default: []].append(handle)
            }
            return turn
        }
        // Off the caller's thread: replaying delivers events, which may call back into the host.
        Task {
            guard let turn else {
                sink.send(PluginEvent(kind: .error, text: "no turn with request_id '\(key.requestID)' is known (finished turns are kept for a while only)",
                                      name: "not_found", status: SB_ERR_NOT_FOUND))
                return
            }
            if !turn.attach(watcher, after: after) {
                sink.send(PluginEvent(kind: .error, text: "the events after \(after) of request '\(key.requestID)' are no longer kept",
                                      name: "replay_unavailable", status: SB_ERR_NOT_FOUND))
            }
        }
    }

    /// One line per turn, with the fields operators search by.
    private func logEnd(of turn: Turn, request: ChatRequest, ending: PluginEvent, after elapsed: Duration, logger: Logger) {
        var fields: [String: JSONValue] = ["request_id": .string(request.requestID), "conversation_id": .string(turn.conversationID),
                                           "owner": .string(request.owner), "duration_ms": .int(Int64(elapsed.seconds * 1000))]
        if ending.kind == .done, let done = try? JSONValue.parse(ending.data) {
            fields["model"] = done["model"]
            fields["tool_hops"] = done["tool_hops"]
            fields["tokens"] = done["usage"]?["total_tokens"]
        }
        switch ending.kind {
        case .done: logger.log(.info, "chat", "turn done", fields: fields)
        case .cancelled: logger.log(.info, "chat", "turn cancelled", fields: fields)
        default:
            fields["code"] = .string(ending.name)
            logger.log(.warn, "chat", "turn failed: \(ending.text)", fields: fields)
        }
    }

    /// A graceful end: refuses new requests, lets running turns finish for up to `grace`, then
    /// cancels the rest and waits (bounded) until what they streamed is stored.
    public func drain(grace: Duration) async {
        stopAccepting()
        let deadline = ContinuousClock.now + grace
        while !state.withLock({ $0.running.isEmpty }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = state.withLock { Array($0.running.values) }
        guard !left.isEmpty else { return }
        environment.withLock { $0.logger }.info("chat", "shutdown grace over: cancelling \(left.count) running turn(s)")
        for turn in left { turn.cancel() }
        let cancelDeadline = ContinuousClock.now + .seconds(5)
        while !state.withLock({ $0.running.isEmpty }), ContinuousClock.now < cancelDeadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: - Other ops

    /// Runs a one-shot op on a task and delivers its result as DONE or ERROR.
    private func runTask(handle: UInt64, sink: PluginEventSink, _ body: @escaping @Sendable () async -> Result<JSONValue, OperationFailure>) {
        // Registered under the lock the task takes to unregister, so a fast task cannot finish first.
        state.withLock { state in
            state.handles[handle] = .task(Task {
                let result = await body()
                _ = self.state.withLock { $0.handles.removeValue(forKey: handle) }
                if Task.isCancelled { sink.send(PluginEvent(kind: .cancelled)); return }
                switch result {
                case .success(let value): sink.send(PluginEvent(kind: .done, data: value.jsonText))
                case .failure(let failure):
                    sink.send(PluginEvent(kind: .error, text: failure.message, name: failure.code, data: failure.details, status: failure.status))
                }
            })
        }
    }

    private static func applyPrompt(name: String, arguments: JSONValue, source: String?, owner: String, conversation: String,
                                    environment: TurnEnvironment) async -> Result<JSONValue, OperationFailure> {
        let listing = await environment.catalog.listing()
        guard let instance = environment.catalog.source(ofPrompt: name, named: source, in: listing) else {
            return .failure(OperationFailure(code: "not_found", message: "no tool source offers the prompt '\(name)'", status: SB_ERR_NOT_FOUND))
        }
        let stringArguments = (arguments.objectValue ?? [:]).mapValues { value -> JSONValue in value.stringValue.map(JSONValue.string) ?? .string(value.jsonText) }
        let prompt: JSONValue
        switch await ComponentCall.json(instance, op: "get_prompt", request: .object(["name": .string(name), "arguments": .object(stringArguments)])) {
        case .failure(let failure): return .failure(failure)
        case .success(let value): prompt = value
        }
        let messages = PromptMessages.chatMessages(prompt)
        guard let store = environment.store else { return .success(.object(["conversation_id": .string(conversation), "messages": .array(messages)])) }
        let request: JSONValue = .object(["conversation_id": .string(conversation), "owner": .string(owner), "messages": .array(messages)])
        return await ComponentCall.json(store, op: "append_batch", request: request).map { stored in
            .object(["conversation_id": .string(conversation), "messages": stored["messages"] ?? .array([])])
        }
    }

    static func newConversationID() -> String { UUID().uuidString.lowercased() }
}

extension Orchestrator: ConfigurationListener {
    /// A reload's `chat:` settings reach new turns; running turns keep theirs. Nothing here needs a restart.
    public func apply(_ new: HostConfig, previous: HostConfig) -> [String] {
        if new.chat != previous.chat { update(settings: new.chat) }
        return []
    }
}
