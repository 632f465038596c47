import Foundation
import JSONSupport
import PluginABI
import WebSocketProtocol

/// One host op an HTTP request submitted: the `user` of its `host->submit`, retained from the
/// submit to its terminal event. A non-streaming call answers the exchange with one response;
/// a streaming one (SSE) relays every event; a precheck (`get_conversation` before a turn)
/// submits the real call when it succeeds.
///
/// Threading: `onEvent` runs on host threads, never twice at once for one op (switchboard.h),
/// so `sse` needs no lock.
final class HTTPCall: @unchecked Sendable {  // sse: touched only by the host's serialized event delivery
    let exchange: HTTPExchange
    let call: HTTPHostCall
    let isPrecheck: Bool
    var sse: SSEEncoder?

    init(exchange: HTTPExchange, call: HTTPHostCall, isPrecheck: Bool) {
        (self.exchange, self.call, self.isPrecheck) = (exchange, call, isPrecheck)
        if call.stream, !isPrecheck { sse = SSEEncoder(requestId: call.request["request_id"]?.stringValue ?? exchange.requestId) }
    }

    static let onEvent: sb_event_fn = { user, event in
        guard let user, let event else { return SB_ERR_INVALID }
        let me = Unmanaged<HTTPCall>.fromOpaque(user).takeUnretainedValue()
        guard let hostEvent = HostEvent(event) else { return SB_OK }
        me.handle(hostEvent)
        if hostEvent.isTerminal {
            me.exchange.loop.liveSubscriptions.subtract(1, ordering: .acquiringAndReleasing)
            Unmanaged<HTTPCall>.fromOpaque(user).release()
        }
        return SB_OK
    }

    private func handle(_ event: HostEvent) {
        if event.kind == .done, call.runsTurn, let owner = exchange.keyOwner,
           case .int(let tokens)? = event.dataJSON?["usage"]?["total_tokens"] {
            exchange.loop.limiter.withLock { $0.charge(key: owner, tokens: Int(tokens), now: Date().timeIntervalSince1970) }
        }
        if var sse {
            exchange.stream(ended: event.isTerminal) { sse.encode(event, into: &$0) }
            self.sse = sse
            return
        }
        switch event.kind {
        case .done:
            if isPrecheck {
                exchange.loop.submit(call, for: exchange, precheck: false)
            } else {
                exchange.answer(HTTPAPI.reply(for: call.shape, done: event.dataJSON ?? .object([:])))
            }
        case .error:
            exchange.answer(HTTPAPI.reply(forError: HostEvent.string(event.name), status: event.status,
                                          message: HostEvent.string(event.text), data: event.dataJSON))
        case .cancelled:
            exchange.answer(.error(503, "cancelled", "the request was cancelled (the server is shutting down)"))
        default:
            break
        }
    }
}
