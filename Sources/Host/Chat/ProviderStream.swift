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

/// Where a streamed assistant message goes in the store: `stream_append` in batches, then `stream_end`.
struct StreamPersistence: Sendable {
    let store: ComponentInstance?
    let messageID: Int64
    let flushChars: Int
    let flushInterval: Duration
    let logger: Logger

    func append(content: String, reasoning: String) {
        guard let store, messageID > 0, !(content.isEmpty && reasoning.isEmpty) else { return }
        var request: [String: JSONValue] = ["message_id": .int(messageID)]
        if !content.isEmpty { request["content"] = .string(content) }
        if !reasoning.isEmpty { request["reasoning"] = .string(reasoning) }
        ComponentCall.fireAndForget(store, op: "stream_append", request: .object(request), logger: logger)
    }
}
