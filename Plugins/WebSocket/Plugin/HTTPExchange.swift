import CWebSockets
import Synchronization
import WebSocketProtocol

/// One HTTP request/response on a connection (a keep-alive connection has one after the other).
///
/// Threading: the service thread alone touches `wsi`, the body being read and what is being
/// written; host threads (answers of the host ops) and the service thread share `shared`, behind
/// its lock, never held across a call into lws or the host. An SSE stream goes through an
/// `Outbox` like a WebSocket connection's frames, so a slow reader is cut off (the stream ends)
/// instead of growing memory.
final class HTTPExchange: @unchecked Sendable {  // split by owner as described above
    struct Shared {
        /// The whole response, once known (a non-streaming request).
        var reply: HTTPReply?
        /// An SSE stream started: its head goes first, then the outbox's frames.
        var streaming = false
        var streamEnded = false
        var outbox: Outbox
        /// lws closed the connection, or the stream was cut off: drop what comes.
        var closed = false
        /// The host op running for this request (0: none).
        var handle: UInt64 = 0
    }

    let wsi: OpaquePointer
    let loop: ServiceLoop
    let head: HTTPRequestHead
    let requestId: String
    let route: HTTPRoute
    let owner: String
    let keyOwner: String?
    let started = ContinuousClock.now
    let shared: Mutex<Shared>

    // MARK: service thread
    var body: [UInt8] = []
    var headSent = false
    var sending: FrameBuffer
    var closeAfter = false
    /// Set when the request was planned and run: a POST with an empty body gets both the request
    /// and lws's body-completion callback, and must run once.
    var dispatched = false

    init(wsi: OpaquePointer, loop: ServiceLoop, head: HTTPRequestHead, requestId: String, route: HTTPRoute, owner: String, keyOwner: String?) {
        (self.wsi, self.loop, self.head, self.requestId, self.route, self.owner, self.keyOwner) = (wsi, loop, head, requestId, route, owner, keyOwner)
        shared = Mutex(Shared(outbox: Outbox(limits: loop.config.sendQueue, headroom: loop.headroom)))
        sending = FrameBuffer(headroom: loop.headroom)
    }

    // MARK: answers (any thread)

    /// Sets the response and wakes the service thread to send it. Later answers are ignored.
    func answer(_ reply: HTTPReply) {
        let fresh = shared.withLock { shared -> Bool in
            guard shared.reply == nil, !shared.streaming, !shared.closed else { return false }
            shared.reply = reply
            return true
        }
        if fresh { loop.scheduleHTTP(self) }
    }

    /// Appends SSE frames made by `write`; the first call starts the stream. A full queue ends
    /// the stream (the client reads too slowly) and cancels the host op.
    func stream(ended: Bool, _ write: (inout FrameBuffer) -> Void) {
        var wake = false
        var cut: UInt64?
        var added = 0
        shared.withLock { shared in
            guard !shared.closed, shared.reply == nil, !shared.streamEnded else { return }
            if !shared.streaming { shared.streaming = true; wake = true }
            switch shared.outbox.append(write) {
            case .queued(let bytes, let idle):
                added = bytes
                wake = wake || idle
            case .rejected:
                shared.closed = true
                loop.releaseQueued(shared.outbox.discardAll())
                cut = shared.handle
                wake = true
            }
            if ended { shared.streamEnded = true; wake = true }
        }
        if added > 0 { _ = loop.reserveQueued(added) }
        if let cut {
            loop.stats.closedSlow.add(1, ordering: .relaxed)
            loop.host.cancel(cut)
        }
        if wake { loop.scheduleHTTP(self) }
    }
}
