import CWebSockets
import Foundation
import JSONSupport
import PluginABI
import WebSocketProtocol

/// The HTTP API on the WebSocket port (docs/HTTP.md): lws hands plain HTTP requests here; the
/// decisions are `HTTPGate`, `RateLimiter` and `HTTPAPI` (pure), the host ops run as `HTTPCall`s.
extension ServiceLoop {
    static func key(_ wsi: OpaquePointer) -> UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(wsi))) }

    /// LWS_CALLBACK_HTTP: reads the request head, admits it (route, keys, admin token, limits)
    /// and runs it now, or once its body has arrived.
    /// - Important: Service thread only.
    func httpRequest(_ wsi: OpaquePointer) -> Int32 {
        var uri: UnsafeMutablePointer<CChar>?
        var uriLength: Int32 = 0
        let method = lws_http_get_uri_and_method(wsi, &uri, &uriLength)
        let methods = ["GET", "POST", "OPTIONS", "PUT", "PATCH", "DELETE", "CONNECT", "HEAD"]
        let path = uri.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: Int(uriLength)), as: UTF8.self) } ?? "/"
        if path == config.endpoint { return answerPlainHTTP(wsi) }
        var head = HTTPRequestHead(method: methods.indices.contains(Int(method)) ? methods[Int(method)] : "UNKNOWN", path: path)
        head.clientIP = peerAddress(wsi)
        let tokens: [(String, lws_token_indexes)] = [("authorization", WSI_TOKEN_HTTP_AUTHORIZATION), ("accept", WSI_TOKEN_HTTP_ACCEPT),
                                                    ("content-length", WSI_TOKEN_HTTP_CONTENT_LENGTH), ("origin", WSI_TOKEN_ORIGIN),
                                                    ("transfer-encoding", WSI_TOKEN_HTTP_TRANSFER_ENCODING), ("connection", WSI_TOKEN_CONNECTION)]
        for (name, token) in tokens { if let value = header(wsi, token) { head.headers[name] = value } }
        for name in ["x-admin-token", "x-request-id", "idempotency-key"] { if let value = customHeader(wsi, name) { head.headers[name] = value } }
        for name in ["token", "limit", "cursor", "messages_limit", "source"] { if let value = urlArgument(wsi, name) { head.query[name] = value } }
        let requestId = Self.validId(head.header("x-request-id")) ?? "http-\(instanceTag)-\(nextHTTPId.wrappingAdd(1, ordering: .relaxed).oldValue)"

        let admission = isStopping ? .reply(.error(503, "shutting_down", "the server is shutting down")) : gate.admit(head)
        var exchange: HTTPExchange
        switch admission {
        case .reply(let reply):
            exchange = HTTPExchange(wsi: wsi, loop: self, head: head, requestId: requestId, route: .preflight, owner: "", keyOwner: nil)
            exchange.closeAfter = reply.status == 413 || (head.header("content-length") ?? "0") != "0" || head.header("transfer-encoding") != nil
            exchanges[Self.key(wsi)] = exchange
            exchange.answer(reply)
            return 0
        case .proceed(let route, let owner, let keyOwner):
            exchange = HTTPExchange(wsi: wsi, loop: self, head: head, requestId: requestId, route: route, owner: owner, keyOwner: keyOwner)
            exchanges[Self.key(wsi)] = exchange
        }
        let decision = limiter.withLock {
            $0.admit(ip: head.clientIP, key: exchange.keyOwner, needsTokens: { if case .postMessage = exchange.route { return true } else { return false } }(),
                     now: Date().timeIntervalSince1970)
        }
        if case .limited(let scope, let retryAfter, let message) = decision {
            host.metric(SB_METRIC_COUNTER, "switchboard_rate_limited_total", labels: "scope=\"\(scope.rawValue)\"")
            exchange.closeAfter = exchange.route.takesBody
            exchange.answer(.error(429, "rate_limited", message, details: ["retry_after": .double(retryAfter)],
                                   headers: [("Retry-After", String(Int(retryAfter.rounded(.up))))]))
            return 0
        }
        let expectsBody = exchange.route.takesBody
            && ((head.header("content-length").flatMap { Int($0) } ?? 0) > 0 || head.header("transfer-encoding") != nil)
        if !expectsBody { dispatch(exchange) }
        return 0
    }

    /// LWS_CALLBACK_HTTP_BODY: collects the body; past `max_body_bytes`, 413 and close.
    func httpBody(_ wsi: OpaquePointer, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let exchange = exchanges[Self.key(wsi)], exchange.route.takesBody, !exchange.closeAfter else { return 0 }
        exchange.body.append(contentsOf: bytes)
        if exchange.body.count > config.http.maxBodyBytes {
            exchange.body = []
            exchange.closeAfter = true
            exchange.answer(HTTPGate.bodyTooLarge(config.http.maxBodyBytes))
        }
        return 0
    }

    /// LWS_CALLBACK_HTTP_BODY_COMPLETION: the body is complete; run the request.
    func httpBodyComplete(_ wsi: OpaquePointer) -> Int32 {
        guard let exchange = exchanges[Self.key(wsi)], exchange.route.takesBody, !exchange.closeAfter else { return 0 }
        dispatch(exchange)
        return 0
    }

    private func dispatch(_ exchange: HTTPExchange) {
        guard !exchange.dispatched else { return }
        exchange.dispatched = true
        let requestId = Self.validId(customHeader(exchange.wsi, "idempotency-key") ?? exchange.head.header("idempotency-key")) ?? exchange.requestId
        switch HTTPAPI.plan(route: exchange.route, owner: exchange.owner, body: exchange.body, head: exchange.head, requestId: requestId) {
        case .reply(let reply): exchange.answer(reply)
        case .call(let call): submit(call, for: exchange, precheck: call.precheck != nil)
        case .runtimeConfig:
            exchange.answer(HTTPAPI.configReply(host.configValue(atPath: "")))
        case .bypassList:
            exchange.answer(.json(200, .object(["bypass": .array(limiter.withLock { $0.bypass }.map(JSONValue.string))])))
        case .bypassAdd(let ip):
            let added = limiter.withLock { $0.addBypass(ip) }
            exchange.answer(.json(added ? 201 : 200, .object(["ip": .string(ip), "added": .bool(added)])))
        case .bypassRemove(let ip):
            let removed = limiter.withLock { $0.removeBypass(ip) }
            exchange.answer(removed ? .json(200, .object(["ip": .string(ip), "removed": .bool(true)]))
                                    : .error(404, "not_found", "\(ip.prefix(64)) is not on the bypass list"))
        }
    }

    /// Submits `call` (or its precheck) for `exchange`; a refusal answers the request at once.
    /// Any thread (a precheck's success submits the turn from the host's thread).
    func submit(_ call: HTTPHostCall, for exchange: HTTPExchange, precheck: Bool) {
        let op = precheck ? "get_conversation" : call.op
        let request = precheck ? (call.precheck ?? .object([:])) : call.request
        let user = Unmanaged.passRetained(HTTPCall(exchange: exchange, call: call, isPrecheck: precheck)).toOpaque()
        liveSubscriptions.add(1, ordering: .acquiringAndReleasing)
        do throws(HostLink.Refusal) {
            let handle = try host.submit(op: op, request: request.jsonText, onEvent: HTTPCall.onEvent, user: user)
            let gone = exchange.shared.withLock { shared -> Bool in
                shared.handle = handle
                return shared.closed
            }
            if gone { host.cancel(handle) }
        } catch {
            Unmanaged<HTTPCall>.fromOpaque(user).release()
            liveSubscriptions.subtract(1, ordering: .acquiringAndReleasing)
            exchange.answer(HTTPAPI.reply(forError: "", status: error.status, message: error.message, data: nil))
        }
    }

    // MARK: writing

    /// Asks the service thread to write `exchange`'s response. Any thread.
    func scheduleHTTP(_ exchange: HTTPExchange) {
        readyHTTP.withLock { $0.append(exchange) }
        wake()
    }

    func drainReadyHTTP() {
        let batch = readyHTTP.withLock { ready -> [HTTPExchange] in
            defer { ready.removeAll(keepingCapacity: ready.count <= 1024) }
            return ready
        }
        for exchange in batch where exchanges[Self.key(exchange.wsi)] === exchange {
            lws_callback_on_writable(exchange.wsi)
        }
    }

    /// LWS_CALLBACK_HTTP_WRITEABLE: writes the response, or the SSE frames queued so far.
    /// - Returns: -1 to close the connection.
    func httpWritable(_ wsi: OpaquePointer) -> Int32 {
        guard let exchange = exchanges[Self.key(wsi)] else { return 0 }
        let (reply, streaming, cut) = exchange.shared.withLock { ($0.reply, $0.streaming, $0.closed) }
        if cut { return -1 }
        if let reply {
            guard writeHead(exchange, status: reply.status, contentType: reply.contentType, length: UInt64(reply.body.count), extra: reply.headers),
                  writeBody(wsi, reply.body, final: true) else { return -1 }
            return finish(exchange, status: reply.status)
        }
        guard streaming else { return 0 }
        if !exchange.headSent {
            guard writeHead(exchange, status: 200, contentType: "text/event-stream", length: nil,
                            extra: [("Cache-Control", "no-cache"), ("X-Accel-Buffering", "no")]) else { return -1 }
            exchange.headSent = true
        }
        var bytes = 0
        while bytes < Connection.bytesPerRound {
            if exchange.sending.isEmpty {
                exchange.sending.reset()
                guard exchange.shared.withLock({ $0.outbox.take(into: &exchange.sending) }) else { break }
            }
            var written = 0, frames = 0
            var failed = false, choked = false
            while !choked, let count = exchange.sending.withNextFrame({ payload, length in
                (true, lws_write(wsi, payload, length, LWS_WRITE_HTTP) >= Int32(length) ? length : -1)
            }) {
                guard count >= 0 else { failed = true; break }
                written += count + exchange.sending.headroom
                frames += 1
                choked = lws_send_pipe_choked(wsi) != 0
            }
            exchange.shared.withLock { $0.outbox.written(bytes: written, frames: frames, choked: choked) }
            releaseQueued(written)
            bytes += written
            if failed { return -1 }
            if choked { break }
        }
        let done = exchange.shared.withLock { $0.streamEnded && $0.outbox.queuedBytes == 0 && $0.outbox.finishIfIdle() }
        if done && exchange.sending.isEmpty { return finish(exchange, status: 200) }
        lws_callback_on_writable(wsi)
        return 0
    }

    /// The response is out: counts it and ends the transaction (keep-alive, or close).
    private func finish(_ exchange: HTTPExchange, status: Int) -> Int32 {
        exchanges[Self.key(exchange.wsi)] = nil
        host.metric(SB_METRIC_COUNTER, "switchboard_http_requests_total", labels: "route=\"\(exchange.route.label)\",status=\"\(status)\"")
        host.metric(SB_METRIC_HISTOGRAM, "switchboard_http_request_duration_seconds", labels: "route=\"\(exchange.route.label)\"",
                    Double((ContinuousClock.now - exchange.started).components.attoseconds) / 1e18
                        + Double((ContinuousClock.now - exchange.started).components.seconds))
        if exchange.closeAfter || exchange.shared.withLock({ $0.streaming }) { return -1 }
        return lws_http_transaction_completed(exchange.wsi) != 0 ? -1 : 0
    }

    private func writeHead(_ exchange: HTTPExchange, status: Int, contentType: String, length: UInt64?, extra: [(String, String)]) -> Bool {
        var headers = extra + [("X-Request-ID", exchange.requestId)] + gate.corsHeaders(origin: exchange.head.header("origin"))
        let asked = exchange.head.header("connection")?.lowercased() ?? ""
        if asked.contains("close") { exchange.closeAfter = true }
        if exchange.closeAfter { headers.append(("Connection", "close")) }
        // An HTTP/1.0 client (ApacheBench, say) keeps the connection only when the answer says so;
        // without it, it waits for a close that never comes.
        else if asked.contains("keep-alive") { headers.append(("Connection", "keep-alive")) }
        let size = 1024 + headers.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
        var buffer = [UInt8](repeating: 0, count: headroom + size)
        return buffer.withUnsafeMutableBufferPointer { raw -> Bool in
            let start = raw.baseAddress! + headroom
            let end = raw.baseAddress! + raw.count - 1
            var p: UnsafeMutablePointer<UInt8>? = start
            guard lws_add_http_common_headers(exchange.wsi, UInt32(status), contentType, length ?? UInt64.max, &p, end) == 0 else { return false }
            for (name, value) in headers {
                let ok = (name.lowercased() + ":").withCString { n in
                    value.withCString { v in lws_add_http_header_by_name(exchange.wsi, UnsafeRawPointer(n).assumingMemoryBound(to: UInt8.self),
                                                                         UnsafeRawPointer(v).assumingMemoryBound(to: UInt8.self), Int32(value.utf8.count), &p, end) }
                }
                guard ok == 0 else { return false }
            }
            return lws_finalize_write_http_header(exchange.wsi, start, &p, end) == 0
        }
    }

    private func writeBody(_ wsi: OpaquePointer, _ body: [UInt8], final: Bool) -> Bool {
        guard !body.isEmpty else { return true }
        var buffer = [UInt8](repeating: 0, count: headroom + body.count)
        buffer.replaceSubrange(headroom..., with: body)
        return buffer.withUnsafeMutableBufferPointer { raw in
            lws_write(wsi, raw.baseAddress! + headroom, body.count, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) >= Int32(body.count)
        }
    }

    /// LWS_CALLBACK_CLOSED_HTTP: the connection went; a running host op is cancelled.
    func httpClosed(_ wsi: OpaquePointer) {
        guard let exchange = exchanges.removeValue(forKey: Self.key(wsi)) else { return }
        let (handle, dropped) = exchange.shared.withLock { shared -> (UInt64, Int) in
            shared.closed = true
            return (shared.reply == nil && !shared.streamEnded ? shared.handle : 0, shared.outbox.discardAll())
        }
        releaseQueued(dropped)
        if handle != 0 { host.cancel(handle) }
    }

    // MARK: reading the head

    static func validId(_ text: String?) -> String? {
        guard let text, !text.isEmpty, text.utf8.count <= 128, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return text
    }

    func peerAddress(_ wsi: OpaquePointer) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { buffer in
            buffer[0] = 0
            guard lws_get_peer_simple(wsi, buffer.baseAddress, 128) != nil else { return "" }
            return String(cString: buffer.baseAddress!)
        }
    }

    func customHeader(_ wsi: OpaquePointer, _ name: String) -> String? {
        for spelling in [name + ":", name.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: "-") + ":"] {
            let length = spelling.withCString { lws_hdr_custom_length(wsi, $0, Int32(spelling.utf8.count)) }
            guard length > 0, length < 8192 else { continue }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(length) + 1) { buffer in
                let copied = spelling.withCString { lws_hdr_custom_copy(wsi, buffer.baseAddress, length + 1, $0, Int32(spelling.utf8.count)) }
                return copied < 0 ? nil : String(cString: buffer.baseAddress!)
            }
        }
        return nil
    }
}
