import CurlHTTP
import Foundation
import JSONSupport
import Synchronization

/// MCP over Streamable HTTP: every message is a POST; a request's answer is a JSON body or an
/// SSE stream (which may carry notifications first). Legacy sessions keep `Mcp-Session-Id`,
/// send `MCP-Protocol-Version`, open the GET stream for server notifications, resume a dropped
/// response stream with `Last-Event-ID`, and end with DELETE. A 404 for a request that carried
/// the session id is reported as `.sessionExpired` (the connection re-initializes). Modern
/// requests carry `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name`; abandoning one closes
/// its stream, which a modern server takes as cancellation.
///
/// Threading: `send`/`abandon` from any thread; events come from the CurlMulti thread.
/// A connect failure ends the transport (`.closed`): the supervisor reconnects with backoff.
final class HTTPTransport: MCPTransport, @unchecked Sendable {  // `multi` is set once, under `state`, in start()
    /// A request whose answer is awaited: its current exchange (nil while a resumption is
    /// pending) and, once known, the transfer to cancel.
    private struct Awaited {
        var exchange: UInt64?
        var transfer: UInt64?
    }

    private struct State {
        var handler: (@Sendable (TransportEvent) -> Void)?
        var sessionID: String?
        var session: SessionInfo?
        var awaited: [RequestID: Awaited] = [:]
        var nextExchange: UInt64 = 1
        var closedReported = false
        var shutDown = false
    }

    let url: String
    private let headers: [String: String]
    private let maxMessageBytes: Int
    private let connectTimeout: Double
    private var multi: CurlMulti?
    private let state = Mutex(State())

    static let maxResumeAttempts = 3

    init(url: String, headers: [String: String], maxMessageBytes: Int, connectTimeout: Double) {
        self.url = url
        self.headers = headers
        self.maxMessageBytes = maxMessageBytes
        self.connectTimeout = connectTimeout
    }

    var processID: Int32? { nil }

    func start(_ handler: @escaping @Sendable (TransportEvent) -> Void) throws(MCPError) {
        try state.withLock { state throws(MCPError) in  // a close() that came first wins: no thread is started after it
            guard !state.shutDown else { throw .transport("the connection was closed before it started") }
            guard let multi = CurlMulti() else { throw .transport("libcurl cannot start (out of memory)") }
            self.multi = multi
            state.handler = handler
        }
    }

    func send(_ message: OutgoingMessage) throws(MCPError) {
        let (sessionID, session, down) = state.withLock { ($0.sessionID, $0.session, $0.shutDown || $0.closedReported) }
        guard !down else { throw .transport("the connection to \(url) is closed") }
        var request = HTTPRequest(url: url, method: "POST", headers: baseHeaders(sessionID: sessionID, version: nil), body: message.body,
                                  connectTimeout: connectTimeout)
        request.headers.append(("Content-Type", "application/json"))
        request.headers.append(("Accept", "application/json, text/event-stream"))
        // The version header: the session's, or (discovery) the one the request's own _meta names.
        let version = session?.version ?? Self.metaVersion(message.body)
        if let version { request.headers.append(("MCP-Protocol-Version", version)) }
        if let version, ProtocolVersion.modernVersions.contains(version) {
            request.headers.append(("Mcp-Method", message.method))
            if let name = message.name { request.headers.append(("Mcp-Name", Self.headerValue(name))) }
        }
        try start(request, awaiting: message.id, resumeAttempt: 0, carriedSession: sessionID != nil)
    }

    func abandon(_ id: RequestID) {
        guard let transfer = state.withLock({ $0.awaited.removeValue(forKey: id)?.transfer }) else { return }
        multi?.cancel(transfer)
    }

    func established(_ session: SessionInfo) {
        state.withLock { $0.session = session }
        if session.era == .legacy { listen(attempt: 0) }
    }

    func resetSession() {
        state.withLock { state in
            state.sessionID = nil
            state.session = nil
        }
    }

    func close() -> String {
        let (sessionID, session, alreadyDown) = state.withLock { state -> (String?, SessionInfo?, Bool) in
            defer { state.shutDown = true }
            return (state.closedReported ? nil : state.sessionID, state.session, state.shutDown)
        }
        guard let multi, !alreadyDown else { return "closed" }
        if let sessionID {  // end the session politely; a server that ignores it loses nothing
            let done = DispatchSemaphore(value: 0)
            let request = HTTPRequest(url: url, method: "DELETE", headers: baseHeaders(sessionID: sessionID, version: session?.version),
                                      connectTimeout: 1, totalTimeout: 1)
            if multi.start(request, handlers: TransferHandlers(head: { _, _ in }, body: { _ in true }, end: { _ in done.signal() })) != nil {
                _ = done.wait(timeout: .now() + 1.5)
            }
        }
        multi.shutdown()
        let handler = state.withLock { state -> (@Sendable (TransportEvent) -> Void)? in
            defer { state.handler = nil; state.closedReported = true }
            return state.closedReported ? nil : state.handler
        }
        handler?(.closed("closed"))
        return "closed"
    }

    /// The configured headers and the session id; `version` for GET and DELETE (a POST adds its own).
    private func baseHeaders(sessionID: String?, version: String?) -> [(name: String, value: String)] {
        var list = headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        if let sessionID { list.append(("Mcp-Session-Id", sessionID)) }
        if let version { list.append(("MCP-Protocol-Version", version)) }
        return list
    }

    /// Starts one exchange; its end decides between done, failure and resumption.
    private func start(_ request: HTTPRequest, awaiting id: RequestID?, resumeAttempt: Int, carriedSession: Bool) throws(MCPError) {
        guard let multi else { throw .transport("not started") }
        let serial = state.withLock { state -> UInt64 in
            defer { state.nextExchange += 1 }
            if let id { state.awaited[id] = Awaited(exchange: state.nextExchange, transfer: nil) }  // before it can end
            return state.nextExchange
        }
        let exchange = HTTPExchange(awaiting: id, maxMessageBytes: maxMessageBytes) { [weak self] event in self?.report(event) }
        let handlers = TransferHandlers(
            head: { [weak self] status, headers in
                exchange.head(status, headers)
                if let session = headers["mcp-session-id"], !session.isEmpty, status < 300 {
                    self?.state.withLock { if $0.sessionID == nil { $0.sessionID = session } }
                }
            },
            body: { exchange.body($0) },
            end: { [weak self] failure in
                self?.ended(exchange, serial: serial, failure: failure, attempt: resumeAttempt, carriedSession: carriedSession)
            })
        guard let transfer = multi.start(request, handlers: handlers) else {
            if let id { state.withLock { _ = $0.awaited.removeValue(forKey: id) } }
            throw .transport("the connection is closed")
        }
        guard let id else { return }
        let abandoned = state.withLock { state -> Bool in
            guard state.awaited[id]?.exchange == serial else { return true }
            state.awaited[id]?.transfer = transfer
            return false
        }
        if abandoned { multi.cancel(transfer) }  // abandoned (or already finished: then this does nothing)
    }

    private func ended(_ exchange: HTTPExchange, serial: UInt64, failure: TransferFailure?, attempt: Int, carriedSession: Bool) {
        let errorBody = exchange.finishBody()
        guard let id = exchange.awaiting else { return }
        let stillWaiting = state.withLock { state -> Bool in
            guard state.awaited[id]?.exchange == serial else { return false }
            state.awaited[id] = nil
            return true
        }
        guard stillWaiting, !exchange.sawResponse else { return }  // answered, or abandoned by the client
        if let failure, failure.kind == .connect {
            return fail(closing: "cannot connect to \(url): \(failure.message)")
        }
        if exchange.status == 404 && carriedSession { return report(.requestFailed(id, .sessionExpired)) }
        if exchange.status >= 300 { return report(.requestFailed(id, .httpStatus(exchange.status, body: errorBody))) }
        if exchange.overflowed { return report(.requestFailed(id, .other("the response is larger than max_message_bytes (\(maxMessageBytes))"))) }
        let reason = failure?.message ?? "the response stream ended before the response"
        // A dropped legacy stream resumes with GET + Last-Event-ID after the server's retry delay.
        if exchange.isEventStream, let lastEventID = exchange.lastEventID, attempt < Self.maxResumeAttempts,
           state.withLock({ $0.session?.era == .legacy && $0.sessionID != nil }) {
            let delay = Double(min(exchange.retryMilliseconds ?? 0, 5_000)) / 1000
            state.withLock { $0.awaited[id] = Awaited(exchange: nil, transfer: nil) }  // still awaited while resumption is pending
            report(.note("the response stream of request \(id) ended early (\(reason)); resuming after event \(lastEventID) with Last-Event-ID"))
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [weak self] in
                self?.resume(id, after: lastEventID, attempt: attempt + 1, reason: reason)
            }
            return
        }
        report(.requestFailed(id, .streamLost(reason)))
    }

    private func resume(_ id: RequestID, after lastEventID: String, attempt: Int, reason: String) {
        let (sessionID, version) = state.withLock { state -> (String?, String?) in
            guard let awaited = state.awaited[id], awaited.exchange == nil, !state.shutDown else { return (nil, nil) }
            return (state.sessionID, state.session?.version)
        }
        guard let sessionID else { return }  // abandoned or closed meanwhile
        var request = HTTPRequest(url: url, method: "GET", headers: baseHeaders(sessionID: sessionID, version: version), connectTimeout: connectTimeout)
        request.headers.append(("Accept", "text/event-stream"))
        request.headers.append(("Last-Event-ID", lastEventID))
        do throws(MCPError) { try start(request, awaiting: id, resumeAttempt: attempt, carriedSession: true) } catch {
            report(.requestFailed(id, .streamLost(reason)))
        }
    }

    /// The GET stream for notifications outside any request (legacy). 405: the server has none.
    private func listen(attempt: Int) {
        let (sessionID, version) = state.withLock { $0.shutDown || $0.closedReported ? (nil, nil) : ($0.sessionID, $0.session?.version) }
        guard let sessionID, let multi else { return }
        var request = HTTPRequest(url: url, method: "GET", headers: baseHeaders(sessionID: sessionID, version: version), connectTimeout: connectTimeout)
        request.headers.append(("Accept", "text/event-stream"))
        let exchange = HTTPExchange(awaiting: nil, maxMessageBytes: maxMessageBytes) { [weak self] event in self?.report(event) }
        let handlers = TransferHandlers(head: { exchange.head($0, $1) }, body: { exchange.body($0) }, end: { [weak self] failure in
            guard let self, failure?.kind != .cancelled, exchange.status != 405, exchange.status != 404 else { return }
            let delay = min(30.0, Double.pow2(Double(min(attempt, 5))))  // 1 s, 2 s, ... 30 s while the server keeps closing it
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [weak self] in
                self?.listen(attempt: (200..<300).contains(exchange.status) ? 0 : attempt + 1)
            }
        })
        _ = multi.start(request, handlers: handlers)
    }

    private func fail(closing reason: String) {
        let handler = state.withLock { state -> (@Sendable (TransportEvent) -> Void)? in
            defer { state.handler = nil; state.closedReported = true }
            return state.closedReported ? nil : state.handler
        }
        handler?(.closed(reason))  // nothing follows .closed
    }

    private func report(_ event: TransportEvent) {
        state.withLock { $0.handler }?(event)
    }

    /// The protocol version named by a request's `_meta` (the discovery probe has no session yet).
    static func metaVersion(_ body: Data) -> String? {
        guard let value = try? JSONValue.parse(String(decoding: body, as: UTF8.self)) else { return nil }
        return value["params"]?["_meta"]?[ProtocolVersion.versionKey]?.stringValue
    }

    /// Header values must be visible ASCII; anything else goes as `=?base64?...?=` (2026-07-28).
    static func headerValue(_ value: String) -> String {
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) { return value }
        return "=?base64?" + Data(value.utf8).base64EncodedString() + "?="
    }
}
