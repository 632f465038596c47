import PluginABI
import Synchronization
import WebSocketProtocol

/// One host op a client request started (`chat`, `resume`, `list_conversations`, ...): the
/// `user` of its `host->submit`, retained from the submit to its terminal event, so events of
/// a request whose connection already closed still find live memory (they are dropped).
///
/// Threading: created on the service thread; `onEvent` runs on host threads, never twice at
/// once for one subscription (switchboard.h). `encoder` is only touched under the
/// connection's lock.
final class Subscription: @unchecked Sendable {  // encoder: guarded by the connection's lock; the rest is immutable or atomic
    let id: UInt64
    /// Strong: a host that ends an op only after the transport's bounded shutdown wait still finds the loop.
    let loop: ServiceLoop
    let connection: Connection
    let requestId: String
    let op: String
    /// Set for chat and resume: the turn this subscription follows.
    let turnKey: TurnTable.Key?
    /// True when the op's conversation becomes the connection's current one (chat, resume, apply_prompt).
    let setsCurrentConversation: Bool
    /// The connection's `clear_session` count when this started: a later clear wins over this op's conversation.
    let conversationGeneration: UInt64
    var encoder: RelayEncoder
    private let handleStorage = Atomic<UInt64>(0)

    init(id: UInt64, loop: ServiceLoop, connection: Connection, requestId: String, op: String, turnKey: TurnTable.Key?,
         setsCurrentConversation: Bool, conversationGeneration: UInt64, encoder: RelayEncoder) {
        self.id = id
        self.loop = loop
        self.connection = connection
        self.requestId = requestId
        self.op = op
        self.turnKey = turnKey
        self.setsCurrentConversation = setsCurrentConversation
        self.conversationGeneration = conversationGeneration
        self.encoder = encoder
    }

    /// The host's handle for the op (0 until submit returned).
    var handle: UInt64 {
        get { handleStorage.load(ordering: .acquiring) }
        set { handleStorage.store(newValue, ordering: .releasing) }
    }

    /// The `sb_event_fn` given to `host->submit`; `user` is a retained Subscription, released at the terminal event.
    static let onEvent: sb_event_fn = { user, event in
        guard let user, let event else { return SB_ERR_INVALID }
        let subscription = Unmanaged<Subscription>.fromOpaque(user).takeUnretainedValue()
        guard let hostEvent = HostEvent(event) else { return SB_OK }  // a newer host's event: skip
        let status = subscription.connection.deliver(hostEvent, of: subscription)
        if hostEvent.isTerminal {
            // WebSocket requests by op and outcome, for /metrics (the host counts turns itself).
            let outcome = hostEvent.kind == .done ? "ok" : hostEvent.kind == .cancelled ? "cancelled" : "error"
            subscription.loop.host.metric(SB_METRIC_COUNTER, "switchboard_websocket_requests_total",
                                          labels: "op=\"\(subscription.op)\",outcome=\"\(outcome)\"")
            subscription.loop.subscriptionEnded(subscription)
            Unmanaged<Subscription>.fromOpaque(user).release()
        }
        return status
    }
}
