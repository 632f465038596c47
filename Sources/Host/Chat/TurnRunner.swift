import Foundation
import PluginABI

/// What a turn needs from the running host; the orchestrator hands each turn the set current
/// when it starts, so a reload never changes a turn midway.
struct TurnEnvironment: Sendable {
    let settings: ChatSettings
    let chain: ProviderChain
    let store: ComponentInstance?
    let catalog: ToolCatalog
    let estimator: TokenEstimator
    let logger: Logger
    let metrics: MetricsRegistry
}

/// Runs one chat turn: stores the user message, builds the context, streams the model's reply,
/// runs the tools it asks for, loops, and stores everything as it happens. Returns the terminal event.
struct TurnRunner: Sendable {
    let turn: Turn
    let request: ChatRequest
    let environment: TurnEnvironment

    private var settings: ChatSettings { environment.settings }
    private var store: ComponentInstance? { environment.store }

    func run() async -> PluginEvent {
        let primary = environment.chain.candidates.first
        let plannedModel = request.model ?? primary?.defaultModel ?? ""
        turn.emit(PluginEvent(kind: .message, name: "turn", data: JSONValue.object([
            "conversation_id": .string(turn.conversationID), "request_id": .string(request.requestID),
            "model": .string(plannedModel), "provider": .string(primary?.instance.name ?? "")]).jsonText))

        let listing = await environment.catalog.listing()
        let tools = settings.maxToolHops > 0 ? listing.functions : []
        if let forced = request.toolName, listing.toolsByName[forced] == nil {
            return failure("invalid_request", "tool_name '\(forced)' is not a tool on offer", status: SB_ERR_INVALID)
        }

        // The context: system prompt, configured prompts and resources, history, the new message.
        let fixed = await fixedContext()
        let user: JSONValue = .object(["role": .string("user"), "content": .string(request.text)])
        // The tool definitions go with every model call: estimated once per turn.
        let toolTokens = tools.reduce(0) { $0 + $1.jsonText.utf8.count / 4 }
        let fixedTokens = TokenEstimator.rough(messages: fixed + [user]) + toolTokens
        let ratio = environment.estimator.ratio(for: plannedModel)
        let budget = Int(Double(settings.maxTokens - settings.reserveTokens) / ratio) - fixedTokens
        let history: [JSONValue]
        switch await loadHistory(budget: budget) {
        case .failure(let failure): return failure.event(prefix: "store_error")
        case .success(let stored): history = stored
        }
        if let replay = replayFromHistory(history) { return replay }
        var messages = fixed + ConversationContext.messages(from: history) + [user]

        // The user message and the reply's placeholder in one write: a crash never leaves the
        // conversation with a question and no answer slot. The model is not kept waiting for it.
        var write = startWrite([userRecord(), assistantPlaceholder()])
        var usage = UsageTotals()
        var hop = 0
        var candidate = primary
        while true {
            var body = request.options
            body["messages"] = .array(messages)
            body["stream"] = .bool(request.stream)
            if let model = request.model { body["model"] = .string(model) }
            if !tools.isEmpty {
                body["tools"] = .array(tools)
                if hop == 0, let forced = request.toolName {
                    body["tool_choice"] = .object(["type": .string("function"), "function": .object(["name": .string(forced)])])
                }
            }
            let persistence = StreamPersistence(slot: write.slot, flushChars: settings.flushChars,
                                                flushInterval: .milliseconds(Int(settings.flushInterval * 1000)))
            let callStarted = ContinuousClock.now
            let reply = await callModel(body: .object(body), persistence: persistence)
            candidate = reply.candidate ?? candidate
            let model = candidate?.model ?? request.model ?? candidate?.defaultModel ?? plannedModel
            record(reply, startedAt: callStarted, model: model)
            let messageID: Int64
            switch await write.task.value {
            case .failure(let failure): return failure.event(prefix: "store_error")
            case .success(let ids): messageID = ids.last ?? 0
            }
            if let reported = reply.usage {
                usage.add(reported)
                if let prompt = reported["prompt_tokens"]?.intValue {
                    environment.estimator.calibrate(model: model, estimated: TokenEstimator.rough(messages: messages) + toolTokens,
                                                    reported: Int(prompt))
                }
            }
            let cancelled = reply.ending.kind == .cancelled || Task.isCancelled
            let stopHere = hop >= settings.maxToolHops
            var calls = cancelled || reply.ending.kind != .done ? [] : reply.toolCalls
            var note = ""
            if !calls.isEmpty && stopHere {
                // The model still wants tools: end with a clear message instead of another round.
                note = (reply.text.isEmpty ? "" : "\n\n") + "(Stopped: the model asked for more tools after \(settings.maxToolHops) rounds of tool calls, the limit set by max_tool_hops.)"
                turn.emit(PluginEvent(kind: .textDelta, text: note))
                calls = []
            }
            persistence.append(content: note, reasoning: "")
            await finishMessage(messageID, status: cancelled || reply.ending.kind == .error ? "incomplete" : "complete",
                                calls: calls, usage: reply.usage, model: model)

            if cancelled { return PluginEvent(kind: .cancelled) }
            if reply.ending.kind == .error { return providerFailure(reply.ending) }
            guard !calls.isEmpty else {
                return finished(model: model, candidate: candidate, usage: usage, finishReason: stopHere && !reply.toolCalls.isEmpty ? "max_tool_hops" : reply.finishReason ?? "stop",
                                messageID: messageID, text: reply.text + note, reasoning: reply.reasoning, hops: hop)
            }

            let outcomes = await ToolRunner(turn: turn, listing: listing, settings: settings, metrics: environment.metrics).run(calls, hop: hop + 1)
            messages.append(ConversationContext.assistantMessage(text: reply.text, calls: calls))
            messages += outcomes.map(ConversationContext.toolMessage)
            let toolRecords = outcomes.map { outcome -> JSONValue in
                .object(["role": .string("tool"), "content": .string(outcome.message), "tool_call_id": .string(outcome.call.id),
                         "tool_name": .string(outcome.call.name)])
            }
            if Task.isCancelled || outcomes.count < calls.count {
                _ = await storeMessages(toolRecords)
                return PluginEvent(kind: .cancelled)
            }
            write = startWrite(toolRecords + [assistantPlaceholder()])
            hop += 1
        }
    }

    // MARK: - The model call

    private func callModel(body: JSONValue, persistence: StreamPersistence) async -> ModelReply {
        if Task.isCancelled { return ModelReply(ending: PluginEvent(kind: .cancelled)) }
        let stream = ProviderStream(turn: turn, persistence: persistence)
        let handle: UInt64
        do throws(ComponentError) {
            handle = try environment.chain.start(request: body.jsonText, sink: stream, onSelect: { stream.select($0) })
        } catch {
            return ModelReply(ending: PluginEvent(kind: .error, text: error.message,
                                                  name: error.status == SB_ERR_UNAVAILABLE ? "provider_unavailable" : "provider_error", status: error.status))
        }
        var reply = await withTaskCancellationHandler { await stream.reply() } onCancel: { environment.chain.cancel(handle) }
        let pending = stream.takePending()
        persistence.append(content: pending.content, reasoning: pending.reasoning)
        if reply.ending.kind == .done, Task.isCancelled { reply.ending = PluginEvent(kind: .cancelled) }
        return reply
    }

    /// One model call's metrics: latency, time to first token, streamed chunks, tokens and cost.
    private func record(_ reply: ModelReply, startedAt: ContinuousClock.Instant, model: String) {
        let metrics = environment.metrics
        let provider = "provider=\"\((reply.candidate?.instance.name ?? "").prometheusLabelValue)\""
        let labels = provider + ",model=\"\(model.prometheusLabelValue)\""
        let outcome = reply.ending.kind == .done ? "ok" : reply.ending.kind == .cancelled ? "cancelled" : "error"
        metrics.observe("switchboard_provider_latency_seconds", provider, seconds: (ContinuousClock.now - startedAt).seconds)
        metrics.count("switchboard_provider_requests_total", provider + ",outcome=\"\(outcome)\"")
        if let first = reply.firstDeltaAt { metrics.observe("switchboard_time_to_first_token_seconds", provider, seconds: (first - startedAt).seconds) }
        if reply.deltas > 0 { metrics.count("switchboard_streamed_chunks_total", provider, by: Double(reply.deltas)) }
        guard let usage = reply.usage else { return }
        if let tokens = usage["prompt_tokens"]?.doubleValue { metrics.count("switchboard_tokens_total", labels + ",direction=\"in\"", by: tokens) }
        if let tokens = usage["completion_tokens"]?.doubleValue { metrics.count("switchboard_tokens_total", labels + ",direction=\"out\"", by: tokens) }
        if let cost = usage["cost"]?.doubleValue { metrics.count("switchboard_cost_total", labels, by: cost) }
    }

    // MARK: - Endings

    private func finished(model: String, candidate: ProviderChain.Candidate?, usage: UsageTotals, finishReason: String,
                          messageID: Int64, text: String, reasoning: String, hops: Int) -> PluginEvent {
        var usageJSON = usage.json
        if case .object(var members) = usageJSON { members["model"] = .string(model); usageJSON = .object(members) }
        turn.emit(PluginEvent(kind: .usage, data: usageJSON.jsonText))
        turn.emit(PluginEvent(kind: .finish, text: finishReason))
        var message: [String: JSONValue] = ["role": .string("assistant"), "content": .string(text)]
        if messageID > 0 { message["id"] = .int(messageID) }
        if !reasoning.isEmpty { message["reasoning"] = .string(reasoning) }
        return PluginEvent(kind: .done, data: JSONValue.object([
            "conversation_id": .string(turn.conversationID), "request_id": .string(request.requestID), "message": .object(message),
            "usage": usageJSON, "model": .string(model), "provider": .string(candidate?.instance.name ?? ""),
            "finish_reason": .string(finishReason), "tool_hops": .int(Int64(hops))]).jsonText)
    }

    private func failure(_ code: String, _ message: String, status: Int32 = SB_ERR_IO, details: JSONValue = .object([:])) -> PluginEvent {
        PluginEvent(kind: .error, text: message, name: code, data: details.jsonText, status: status)
    }

    private func providerFailure(_ ending: PluginEvent) -> PluginEvent {
        var details = (try? JSONValue.parse(ending.data))?.objectValue ?? [:]
        details["code"] = .string(ending.name)
        return failure("provider_error", ending.text, status: ending.status, details: .object(details))
    }

    // MARK: - Context

    /// The system prompt, then the configured prompts' messages and resources' text.
    private func fixedContext() async -> [JSONValue] {
        var messages: [JSONValue] = settings.systemPrompt.isEmpty ? [] : [.object(["role": .string("system"), "content": .string(settings.systemPrompt)])]
        guard !settings.contextPrompts.isEmpty || !settings.contextResources.isEmpty else { return messages }
        let listing = await environment.catalog.listing()
        for prompt in settings.contextPrompts {
            guard let source = environment.catalog.source(ofPrompt: prompt.name, named: prompt.source, in: listing) else {
                environment.logger.warn("chat", "context prompt '\(prompt.name)' is not on offer; skipped")
                continue
            }
            let request: JSONValue = .object(["name": .string(prompt.name), "arguments": .object(prompt.arguments.mapValues { .string($0) })])
            switch await ComponentCall.json(source, op: "get_prompt", request: request) {
            case .success(let result): messages += PromptMessages.chatMessages(result)
            case .failure(let failure): environment.logger.warn("chat", "context prompt '\(prompt.name)' failed: \(failure.message); skipped")
            }
        }
        for uri in settings.contextResources {
            guard let source = environment.catalog.source(ofResource: uri, named: nil, in: listing) ?? environment.catalog.sources.first else { continue }
            switch await ComponentCall.json(source, op: "read_resource", request: .object(["uri": .string(uri)])) {
            case .success(let result):
                let text = (result["contents"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }.joined(separator: "\n")
                if !text.isEmpty { messages.append(.object(["role": .string("system"), "content": .string("Resource \(uri):\n\(text)")])) }
            case .failure(let failure): environment.logger.warn("chat", "context resource '\(uri)' failed: \(failure.message); skipped")
            }
        }
        return messages
    }

    /// The newest stored messages that fit `budget` rough tokens, and at least `preserve_recent` of them.
    private func loadHistory(budget: Int) async -> Result<[JSONValue], OperationFailure> {
        guard let store, request.conversationID != nil else { return .success([]) }
        let base: [String: JSONValue] = ["conversation_id": .string(turn.conversationID), "owner": .string(request.owner)]
        var fitted = base
        fitted["max_tokens"] = .int(Int64(max(1, budget)))
        if let limit = request.memoryLimit { fitted["max_messages"] = .int(Int64(limit)) }
        let first: [JSONValue]
        switch await ComponentCall.json(store, op: "load_context", request: .object(fitted)) {
        case .failure(let failure): return .failure(failure)
        case .success(let result): first = result["messages"]?.arrayValue ?? []
        }
        guard first.count < settings.preserveRecent else { return .success(first) }
        var recent = base
        recent["max_messages"] = .int(Int64(min(settings.preserveRecent, request.memoryLimit ?? .max)))
        guard case .success(let result) = await ComponentCall.json(store, op: "load_context", request: .object(recent)) else { return .success(first) }
        let preserved = result["messages"]?.arrayValue ?? []
        return .success(preserved.count > first.count ? preserved : first)
    }

    /// When this request id was already answered in the conversation (before a restart, say),
    /// the stored answer is replayed instead of calling the model again.
    private func replayFromHistory(_ history: [JSONValue]) -> PluginEvent? {
        guard let position = history.firstIndex(where: { $0["role"]?.stringValue == "user" && $0["request_id"]?.stringValue == request.requestID }) else { return nil }
        let answer = history[(position + 1)...].prefix { $0["role"]?.stringValue != "user" }.last { $0["role"]?.stringValue == "assistant" }
        let text = answer?["content"]?.stringValue ?? ""
        if !text.isEmpty { turn.emit(PluginEvent(kind: .textDelta, text: text)) }
        var usage = UsageTotals()
        if let reported = answer?["usage"] { usage.add(reported) }
        let model = answer?["model"]?.stringValue ?? ""
        return finished(model: model, candidate: nil, usage: usage, finishReason: "stop", messageID: answer?["id"]?.intValue ?? 0,
                        text: text, reasoning: answer?["reasoning"]?.stringValue ?? "", hops: 0)
    }

    // MARK: - Store writes

    private func userRecord() -> JSONValue {
        .object(["role": .string("user"), "content": .string(request.text), "request_id": .string(request.requestID)])
    }

    private func assistantPlaceholder() -> JSONValue {
        .object(["role": .string("assistant"), "content": .string(""), "status": .string("incomplete")])
    }

    /// Starts appending messages; the last one's slot learns its id when the write lands. The
    /// write is not a child of the turn's task: cancelling the turn never cancels a write.
    private func startWrite(_ records: [JSONValue]) -> (slot: MessageSlot, task: Task<Result<[Int64], OperationFailure>, Never>) {
        let slot = MessageSlot(store: store, logger: environment.logger)
        let task = Task { [self] in
            let result = await storeMessages(records)
            slot.resolve((try? result.get())?.last ?? 0)
            return result
        }
        return (slot, task)
    }

    /// Appends messages in one transaction; returns their ids (empty without a store).
    private func storeMessages(_ records: [JSONValue]) async -> Result<[Int64], OperationFailure> {
        guard let store, !records.isEmpty else { return .success([]) }
        let request: JSONValue = .object(["conversation_id": .string(turn.conversationID), "owner": .string(self.request.owner), "messages": .array(records)])
        return await ComponentCall.json(store, op: "append_batch", request: request).map { result in
            (result["messages"]?.arrayValue ?? []).compactMap { $0["id"]?.intValue }
        }
    }

    private func finishMessage(_ id: Int64, status: String, calls: [RequestedToolCall], usage: JSONValue?, model: String) async {
        guard let store, id > 0 else { return }
        var request: [String: JSONValue] = ["message_id": .int(id), "status": .string(status), "model": .string(model)]
        if !calls.isEmpty { request["tool_calls"] = ConversationContext.storedToolCalls(calls) }
        if let usage { request["usage"] = usage }
        if case .failure(let failure) = await ComponentCall.json(store, op: "stream_end", request: .object(request)) {
            environment.logger.error("chat", "could not finish message \(id) of \(turn.conversationID): \(failure.message)")
        }
    }
}

/// A turn's usage summed over its model calls.
struct UsageTotals: Sendable {
    var prompt: Int64 = 0, completion: Int64 = 0, total: Int64 = 0, cached: Int64 = 0
    var cost: Double?

    mutating func add(_ usage: JSONValue) {
        prompt += usage["prompt_tokens"]?.intValue ?? 0
        completion += usage["completion_tokens"]?.intValue ?? 0
        total += usage["total_tokens"]?.intValue ?? 0
        cached += usage["cached_tokens"]?.intValue ?? 0
        if let cost = usage["cost"]?.doubleValue { self.cost = (self.cost ?? 0) + cost }
    }

    var json: JSONValue {
        .object(["prompt_tokens": .int(prompt), "completion_tokens": .int(completion), "total_tokens": .int(total),
                 "cached_tokens": .int(cached), "cost": cost.map(JSONValue.double) ?? .null])
    }
}

extension OperationFailure {
    /// The failure as a turn's terminal event, under `prefix` unless it is already a client error.
    func event(prefix: String) -> PluginEvent {
        let name = code == "not_found" || code == "invalid_request" ? code : prefix
        return PluginEvent(kind: .error, text: message, name: name, data: JSONValue.object(["code": .string(code)]).jsonText, status: status)
    }
}
