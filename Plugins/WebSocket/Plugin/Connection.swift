import CWebSockets
import PluginABI
import Synchronization
import WebSocketProtocol

/// One client connection.
///
/// Two kinds of state with two owners: the service thread alone touches `wsi`, the receive
/// buffer, the frames being sent and the bookkeeping below `MARK: service thread`; host threads
/// (relaying events) and the service thread share `shared`, behind its lock, which is never
/// held across a call into lws or the host.
final class Connection: @unchecked Sendable {  // see above: split by owner, shared part behind a Mutex
    enum State: Equatable {
        case open
        /// The transport decided to close (slow reader, shutdown); `handled` once the service thread acted on it.
        case closing(code: UInt16, reason: String, handled: Bool)
        /// lws closed the connection.
        case closed
    }

    /// The connection's current conversation: where a chat without `conversation_id` goes.
    enum CurrentConversation: Equatable {
        case none
        /// A chat without conversation id is starting one; its first event names it.
        case pending(requestId: String)
        case known(String)
    }

    struct Shared {
        var state = State.open
        var outbox: Outbox
        /// Running requests by request id.
        var subscriptions: [String: Subscription] = [:]
        var current = CurrentConversation.none
        /// Incremented by clear_session, so a running op cannot bring back a cleared conversation.
        var generation: UInt64 = 0
    }

    let id: UInt64
    let owner: String
    /// Strong: a connection (kept alive by a request still running after it closed) may outlive
    /// the transport's shutdown, and must still find the loop. The loop drops its connections as
    /// they close, so the reference is no cycle by then.
    let loop: ServiceLoop
    let shared: Mutex<Shared>

    // MARK: service thread
    let wsi: OpaquePointer
    var receiveBuffer: [UInt8] = []
    var sending: FrameBuffer
    /// The dialect of the last well-formed message: how to answer one that shows none.
    var lastDialect = Dialect.action
    var nextGeneratedId = 1
    var lwsClosed = false
    /// The client's address (rate limits per IP).
    var clientIP = ""

    init(id: UInt64, wsi: OpaquePointer, owner: String, loop: ServiceLoop) {
        self.id = id
        self.wsi = wsi
        self.owner = owner
        self.loop = loop
        shared = Mutex(Shared(outbox: Outbox(limits: loop.config.sendQueue, headroom: loop.headroom)))
        sending = FrameBuffer(headroom: loop.headroom)
    }

    // MARK: relaying host events (host threads)

    /// Encodes one event of `subscription` into the send queue and wakes the service thread if
    /// it was idle. A full queue closes the connection (1008; 1013 when the whole transport's
    /// budget is spent). Events for a closing or closed connection are dropped.
    /// - Returns: the status for the host (always SB_OK: whether to stop the op is decided
    ///   when the connection's requests are detached, since a resumed turn may live on).
    func deliver(_ event: HostEvent, of subscription: Subscription) -> sb_status {
        var wake = false
        var added = 0
        shared.withLock { shared in
            if event.isTerminal, shared.subscriptions[subscription.requestId] === subscription {
                shared.subscriptions[subscription.requestId] = nil
            }
            guard shared.state == .open else { return }
            var learnt: String?
            switch shared.outbox.append({ frames in learnt = subscription.encoder.encode(event, into: &frames) }) {
            case .queued(let bytes, let idle):
                added = bytes
                wake = idle
            case .rejected:
                wake = beginClose(&shared, code: 1008, reason: "send queue full: the client reads too slowly")
                loop.stats.closedSlow.add(1, ordering: .relaxed)
                return
            }
            if subscription.setsCurrentConversation, subscription.conversationGeneration == shared.generation {
                if let learnt {
                    shared.current = .known(learnt)
                } else if event.isTerminal, shared.current == .pending(requestId: subscription.requestId) {
                    shared.current = .none  // failed before it named a conversation
                }
            }
        }
        if added > 0, !loop.reserveQueued(added) {
            // The transport's total budget is spent: this connection goes, its frames with it.
            shared.withLock { shared in
                wake = beginClose(&shared, code: 1013, reason: "server send budget exhausted; try again later") || wake
            }
            loop.stats.closedSlow.add(1, ordering: .relaxed)
        }
        if wake { loop.schedule(self) }
        return SB_OK
    }

    /// Marks the connection closing and drops its queue. Returns true (the caller must wake
    /// the service thread) when it was open. Call with the lock held.
    func beginClose(_ shared: inout Shared, code: UInt16, reason: String) -> Bool {
        guard shared.state == .open else { return false }
        shared.state = .closing(code: code, reason: reason, handled: false)
        loop.releaseQueued(shared.outbox.discardAll())
        _ = shared.outbox.markScheduled()
        return true
    }

    // MARK: frames the transport makes (service thread)

    /// Queues frames written by `write` (replies the transport makes itself) and asks lws for a
    /// writable callback. A full queue closes the connection as a slow reader.
    func enqueue(_ write: (inout FrameBuffer) -> Void) {
        var closing = false
        var added = 0
        shared.withLock { shared in
            guard shared.state == .open else { return }
            switch shared.outbox.append(write) {
            case .queued(let bytes, _): added = bytes
            case .rejected:
                closing = beginClose(&shared, code: 1008, reason: "send queue full: the client reads too slowly")
                loop.stats.closedSlow.add(1, ordering: .relaxed)
            }
        }
        if added > 0, !loop.reserveQueued(added) {
            shared.withLock { shared in closing = beginClose(&shared, code: 1013, reason: "server send budget exhausted; try again later") || closing }
        }
        if closing { loop.handleCloseRequest(self) }
        lws_callback_on_writable(wsi)
    }

    func enqueueError(_ error: ClientError, dialect: Dialect, requestId: String?) {
        loop.stats.errorFrames.add(1, ordering: .relaxed)
        enqueue { ReplyFrames.appendError(error, dialect: dialect, requestId: requestId, into: &$0) }
    }
}
