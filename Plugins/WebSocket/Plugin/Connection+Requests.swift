import Foundation
import JSONSupport
import PluginABI
import WebSocketProtocol

extension Connection {
    /// Carries out one client command: submits host ops, cancels, clears the current conversation.
    /// - Important: Service thread only.
    func perform(_ command: ClientCommand) {
        if let refusal = rateLimited(command) {
            enqueueError(refusal, dialect: command.dialect, requestId: command.requestId)
            return
        }
        switch command.action {
        case .chat(let chat):
            start(command, op: "chat", stream: .turn, deltas: chat.stream != false, setsCurrent: true,
                  conversation: chat.conversationId == nil ? .implicit : .explicit) { requestId, current in
                chat.hostRequest(owner: owner, requestId: requestId, conversationId: chat.conversationId ?? current)
            }
        case .resume(let afterSeq):
            start(command, op: "resume", stream: .turn, deltas: true, setsCurrent: true, conversation: .notUsed) { requestId, _ in
                .object(["owner": .string(owner), "request_id": .string(requestId), "after_seq": .int(afterSeq)])
            }
        case .hostOp(let request):
            let use: ConversationUse = request.usesCurrentConversation && request.fields["conversation_id"] == nil ? .current : .notUsed
            start(command, op: request.op, stream: .result(op: request.op), deltas: false, setsCurrent: request.op == "apply_prompt",
                  conversation: use) { _, current in
                request.hostRequest(owner: owner, currentConversation: current)
            }
        case .cancel:
            cancel(command)
        case .clearSession:
            shared.withLock { shared in
                shared.current = .none
                shared.generation += 1
            }
            enqueue { ReplyFrames.appendCleared(dialect: command.dialect, requestId: command.requestId, into: &$0) }
        }
    }

    /// The same limits as the HTTP API (`RateLimiter`): a request over them is answered 429
    /// `rate_limited` with `data.retry_after` (seconds), and the connection stays.
    private func rateLimited(_ command: ClientCommand) -> ClientError? {
        let isChat: Bool
        switch command.action {
        case .chat: isChat = true
        case .resume, .hostOp: isChat = false
        case .cancel, .clearSession: return nil
        }
        let keyOwner = loop.policy.apiKeys.isEmpty ? nil : owner
        let decision = loop.limiter.withLock { $0.admit(ip: clientIP, key: keyOwner, needsTokens: isChat, now: Date().timeIntervalSince1970) }
        guard case .limited(let scope, let retryAfter, let message) = decision else { return nil }
        loop.host.metric(SB_METRIC_COUNTER, "switchboard_rate_limited_total", labels: "scope=\"\(scope.rawValue)\"")
        return ClientError(code: 429, reason: "rate_limited", message: message, details: .object(["retry_after": .double(retryAfter)]))
    }

    /// How a request uses the connection's current conversation.
    enum ConversationUse {
        /// It names its own (or none is involved).
        case notUsed, explicit
        /// A chat without conversation id: continues the current one, or starts one and makes it current.
        case implicit
        /// Uses the current one if there is one (apply_prompt, save_session).
        case current
    }

    /// Admits a request (limits, duplicates, the current conversation), then submits it.
    private func start(_ command: ClientCommand, op: String, stream: RelayEncoder.Stream, deltas: Bool, setsCurrent: Bool,
                       conversation use: ConversationUse,
                       request makeRequest: (_ requestId: String, _ conversation: String?) -> JSONValue) {
        let requestId = command.requestId ?? generatedRequestId()
        let turnKey = stream == .turn ? TurnTable.Key(owner: owner, requestId: requestId) : nil
        let admitted: Result<(Subscription, String?), ClientError> = shared.withLock { shared in
            guard shared.state == .open else { return .failure(ClientError(code: 503, reason: "closing", message: "the connection is closing")) }
            if shared.subscriptions[requestId] != nil {
                return .failure(ClientError(code: 409, reason: "duplicate_request",
                                            message: "request '\(requestId.prefix(64))' is already running on this connection"))
            }
            guard shared.subscriptions.count < loop.config.maxRequestsPerConnection else {
                return .failure(ClientError(code: 429, reason: "too_many_requests",
                                            message: "too many requests running on this connection (at most \(loop.config.maxRequestsPerConnection))"))
            }
            var conversation: String?
            switch use {
            case .notUsed, .explicit: break
            case .current:
                if case .known(let id) = shared.current { conversation = id }
            case .implicit:
                switch shared.current {
                case .known(let id): conversation = id
                case .pending(let other):
                    return .failure(ClientError(code: 409, reason: "conversation_busy",
                                                message: "this connection's conversation is still starting with request '\(other.prefix(64))'; wait for its first reply"))
                case .none: shared.current = .pending(requestId: requestId)
                }
            }
            let subscription = Subscription(
                id: loop.makeSubscriptionId(), loop: loop, connection: self, requestId: requestId, op: op, turnKey: turnKey,
                setsCurrentConversation: setsCurrent, conversationGeneration: shared.generation,
                encoder: RelayEncoder(dialect: command.dialect, requestId: requestId, stream: stream,
                                      legacyComplete: loop.config.legacyComplete, deltas: deltas))
            shared.subscriptions[requestId] = subscription
            return .success((subscription, conversation))
        }
        switch admitted {
        case .success(let (subscription, conversation)):
            loop.submit(subscription, request: makeRequest(requestId, conversation).jsonText)
        case .failure(let error):
            enqueueError(error, dialect: command.dialect, requestId: requestId)
        }
    }

    /// Called by the loop when `host->submit` refused a request: no event came, so undo its admission.
    func submitFailed(_ subscription: Subscription, status: Int32, message: String) {
        shared.withLock { shared in
            if shared.subscriptions[subscription.requestId] === subscription { shared.subscriptions[subscription.requestId] = nil }
            if shared.current == .pending(requestId: subscription.requestId) { shared.current = .none }
        }
        let reason = ClientError.reason(forStatus: status)
        enqueueError(ClientError(code: ClientError.code(forHostReason: reason, status: status), reason: reason, message: message),
                     dialect: subscription.encoder.dialect, requestId: subscription.requestId)
    }

    /// `cancel`: the named request (type dialect without a name: every running turn). A cancelled
    /// turn ends with its own `cancelled` frame; cancelling nothing is an error.
    private func cancel(_ command: ClientCommand) {
        let targets: [Subscription] = shared.withLock { shared in
            if let requestId = command.requestId { return shared.subscriptions[requestId].map { [$0] } ?? [] }
            return shared.subscriptions.values.filter { $0.turnKey != nil }
        }
        guard !targets.isEmpty else {
            let what = command.requestId.map { "request '\($0.prefix(64))' is" } ?? "no chat turn is"
            enqueueError(ClientError(code: 404, reason: "not_found", message: "\(what) not running on this connection"),
                         dialect: command.dialect, requestId: command.requestId)
            return
        }
        for subscription in targets { loop.cancelTurn(of: subscription) }
    }

    private func generatedRequestId() -> String {
        defer { nextGeneratedId += 1 }
        return "ws-\(loop.instanceTag)-\(id)-\(nextGeneratedId)"
    }

    /// Ends every running request of this connection (it closed, or is closing): see `TurnTable`
    /// for which host ops are cancelled. Idempotent.
    /// - Important: Service thread only.
    func detachSubscriptions() {
        let subscriptions = shared.withLock { shared in
            defer { shared.subscriptions.removeAll() }
            return Array(shared.subscriptions.values)
        }
        for subscription in subscriptions { loop.abandon(subscription) }
    }
}
