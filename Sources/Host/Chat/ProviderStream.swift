import Foundation
import PluginABI
import Synchronization

/// A tool call the model asked for.
struct RequestedToolCall: Sendable {
    var id: String
    var name: String
    var arguments: String
    var index: Int64
}

/// What one model call produced.
struct ModelReply: Sendable {
    var text = ""
    var reasoning = ""
    var toolCalls: [RequestedToolCall] = []
    var usage: JSONValue?
    var finishReason: String?
    var candidate: ProviderChain.Candidate?
    /// When the first text or reasoning arrived, and how many deltas did.
    var firstDeltaAt: ContinuousClock.Instant?
    var deltas = 0
    /// The provider's terminal event: DONE, ERROR or CANCELLED.
    var ending = PluginEvent(kind: .done)
    /// Whether anything of the reply reached the client.
    var streamed: Bool { !text.isEmpty || !reasoning.isEmpty }
}

/// Receives one model call's events on the provider's thread: deltas go to the turn's watchers
/// at once (the hot path: no task hop) and, in batches, to the store; tool calls, usage and the
/// finish reason are collected for the turn's next step, which `reply()` waits for.
final class ProviderStream: EventForwarder {
    private struct State {
        var reply = ModelReply()
        var pendingContent = ""
        var pendingReasoning = ""
        var lastFlush = ContinuousClock.now
        var continuation: CheckedContinuation<ModelReply, Never>?
        var ended = false
    }

    private let turn: Turn
    private let persistence: StreamPersistence
    private let state = Mutex(State())

    init(turn: Turn, persistence: StreamPersistence) { (self.turn, self.persistence) = (turn, persistence) }

    func select(_ candidate: ProviderChain.Candidate) { state.withLock { $0.reply.candidate = candidate } }

    /// Waits for the provider's terminal event.
    func reply() async -> ModelReply {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> ModelReply? in
                if state.ended { return state.reply }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Whatever streamed and was not yet handed to the store.
    func takePending() -> (content: String, reasoning: String) {
        state.withLock { state in
            defer { state.pendingContent = ""; state.pendingReasoning = "" }
            return (state.pendingContent, state.pendingReasoning)
        }
    }

    func forward(_ event: UnsafePointer<sb_event>) -> sb_status {
        guard let copy = PluginEvent(event) else { return SB_OK }
        switch copy.kind {
        case .textDelta, .reasoningDelta:
            let flush = state.withLock { state -> (String, String)? in
                if state.reply.firstDeltaAt == nil { state.reply.firstDeltaAt = .now }
                state.reply.deltas += 1
                if copy.kind == .textDelta {
                    state.reply.text += copy.text
                    state.pendingContent += copy.text
                } else {
                    state.reply.reasoning += copy.text
                    state.pendingReasoning += copy.text
                }
                let now = ContinuousClock.now
                guard state.pendingContent.utf8.count + state.pendingReasoning.utf8.count >= persistence.flushChars
                        || now - state.lastFlush >= persistence.flushInterval else { return nil }
                state.lastFlush = now
                defer { state.pendingContent = ""; state.pendingReasoning = "" }
                return (state.pendingContent, state.pendingReasoning)
            }
            turn.emit(copy)
            if let (content, reasoning) = flush { persistence.append(content: content, reasoning: reasoning) }
        case .toolCall:
            state.withLock { $0.reply.toolCalls.append(RequestedToolCall(id: copy.id, name: copy.name, arguments: copy.data, index: copy.index)) }
        case .usage:
            state.withLock { $0.reply.usage = try? JSONValue.parse(copy.data) }
        case .finish:
            state.withLock { $0.reply.finishReason = copy.text }
        case .done, .error, .cancelled:
            let (waiter, reply) = state.withLock { state -> (CheckedContinuation<ModelReply, Never>?, ModelReply) in
                state.reply.ending = copy
                state.reply.toolCalls.sort { $0.index < $1.index }
                state.ended = true
                defer { state.continuation = nil }
                return (state.continuation, state.reply)
            }
            waiter?.resume(returning: reply)
        default:
            break  // progress and log lines of a provider are not part of the reply
        }
        return SB_OK
    }
}

/// Where a streamed assistant message goes in the store: `stream_append` in batches, then
/// `stream_end`. The message is written while the model already streams (its first write is
/// not waited for), so text that streams before the store has answered waits here.
final class MessageSlot: Sendable {
    private struct State {
        var id: Int64?
        var content = ""
        var reasoning = ""
    }
    private let state = Mutex(State())
    let store: ComponentInstance?
    let logger: Logger

    init(store: ComponentInstance?, logger: Logger) { (self.store, self.logger) = (store, logger) }

    /// The message exists with this id (0: it could not be written): hands it what waited.
    func resolve(_ id: Int64) {
        let (content, reasoning) = state.withLock { state in
            state.id = id
            defer { state.content = ""; state.reasoning = "" }
            return (state.content, state.reasoning)
        }
        send(id, content, reasoning)
    }

    func append(content: String, reasoning: String) {
        guard !(content.isEmpty && reasoning.isEmpty) else { return }
        let id = state.withLock { state -> Int64? in
            guard state.id == nil else { return state.id }
            state.content += content
            state.reasoning += reasoning
            return nil
        }
        if let id { send(id, content, reasoning) }
    }

    private func send(_ id: Int64, _ content: String, _ reasoning: String) {
        guard let store, id > 0, !(content.isEmpty && reasoning.isEmpty) else { return }
        var request: [String: JSONValue] = ["message_id": .int(id)]
        if !content.isEmpty { request["content"] = .string(content) }
        if !reasoning.isEmpty { request["reasoning"] = .string(reasoning) }
        ComponentCall.fireAndForget(store, op: "stream_append", request: .object(request), logger: logger)
    }
}

/// How often streamed text goes to its `MessageSlot`.
struct StreamPersistence: Sendable {
    let slot: MessageSlot
    let flushChars: Int
    let flushInterval: Duration

    func append(content: String, reasoning: String) { slot.append(content: content, reasoning: reasoning) }
}
