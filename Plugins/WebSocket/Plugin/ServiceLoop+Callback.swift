import CWebSockets
import PluginABI
import Glibc
import WebSocketProtocol

extension ServiceLoop {
    /// The protocol callback lws calls on the service thread for everything that happens to a
    /// connection. Non-capturing: the loop comes from the context's user pointer and the
    /// connection from the per-session memory (`LWSResources.Session`).
    static let callback: LWSCallback = { wsi, reason, user, input, length in
        guard let wsi, let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return 0 }
        let loop = Unmanaged<ServiceLoop>.fromOpaque(raw).takeUnretainedValue()
        let session = user?.assumingMemoryBound(to: LWSResources.Session.self)
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
            loop.drainReady()
            return 0
        case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
            return loop.filterUpgrade(wsi, session: session)
        case LWS_CALLBACK_ESTABLISHED:
            return loop.established(wsi, session: session)
        case LWS_CALLBACK_RECEIVE:
            guard let connection = session.flatMap(ServiceLoop.connection) else { return -1 }
            return connection.receive(UnsafeRawBufferPointer(start: input, count: length))
        case LWS_CALLBACK_SERVER_WRITEABLE:
            guard let connection = session.flatMap(ServiceLoop.connection) else { return -1 }
            return connection.writable()
        case LWS_CALLBACK_CLOSED:
            loop.closed(session: session)
            return 0
        case LWS_CALLBACK_HTTP:
            return loop.httpRequest(wsi)
        case LWS_CALLBACK_HTTP_BODY:
            return loop.httpBody(wsi, UnsafeRawBufferPointer(start: input, count: length))
        case LWS_CALLBACK_HTTP_BODY_COMPLETION:
            return loop.httpBodyComplete(wsi)
        case LWS_CALLBACK_HTTP_WRITEABLE:
            return loop.httpWritable(wsi)
        case LWS_CALLBACK_CLOSED_HTTP:
            loop.httpClosed(wsi)
            return 0
        default:
            return lws_callback_http_dummy(wsi, reason, user, input, length)
        }
    }

    static func connection(_ session: UnsafeMutablePointer<LWSResources.Session>) -> Connection? {
        session.pointee.connection.map { Unmanaged<Connection>.fromOpaque($0).takeUnretainedValue() }
    }

    /// LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: path, origin, API key and capacity checks
    /// (`HandshakePolicy`). A refusal answers with its HTTP status before lws drops the connection.
    private func filterUpgrade(_ wsi: OpaquePointer, session: UnsafeMutablePointer<LWSResources.Session>?) -> Int32 {
        let decision = policy.decide(
            path: header(wsi, WSI_TOKEN_GET_URI) ?? "", origin: header(wsi, WSI_TOKEN_ORIGIN),
            authorization: header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION), token: urlArgument(wsi, "token"),
            connections: connections.count)
        switch decision {
        case .accept(let keyIndex):
            guard let session else { return -1 }
            session.pointee = LWSResources.Session(connection: nil, keyIndexPlusOne: keyIndex.map { $0 + 1 } ?? 0)
            return 0
        case .refuse(let status, let message):
            stats.refused(status: status)
            host.log(SB_LOG_DEBUG, "refused an upgrade with \(status): \(message)")
            HTTPRefusal.send(status: status, message: message, on: wsi)
            return -1
        }
    }

    private func established(_ wsi: OpaquePointer, session: UnsafeMutablePointer<LWSResources.Session>?) -> Int32 {
        guard let session, !isStopping else { return -1 }
        let keyIndex = session.pointee.keyIndexPlusOne > 0 ? session.pointee.keyIndexPlusOne - 1 : nil
        let connection = Connection(id: nextConnectionId, wsi: wsi, owner: policy.owner(keyIndex: keyIndex), loop: self)
        nextConnectionId += 1
        connection.clientIP = peerAddress(wsi)
        session.pointee.connection = Unmanaged.passRetained(connection).toOpaque()
        connections[connection.id] = connection
        stats.connections.store(connections.count, ordering: .relaxed)
        stats.accepted.add(1, ordering: .relaxed)
        host.metric(SB_METRIC_GAUGE, "switchboard_websocket_connections", Double(connections.count))
        return 0
    }

    /// LWS_CALLBACK_CLOSED: the connection is gone. Its queue is dropped and its requests detached.
    private func closed(session: UnsafeMutablePointer<LWSResources.Session>?) {
        guard let session, let raw = session.pointee.connection else { return }
        session.pointee.connection = nil
        let connection = Unmanaged<Connection>.fromOpaque(raw).takeRetainedValue()
        connection.lwsClosed = true
        let dropped = connection.shared.withLock { shared -> Int in
            shared.state = .closed
            return shared.outbox.discardAll()
        }
        releaseQueued(dropped)
        connection.sending.release()
        connection.detachSubscriptions()
        connections[connection.id] = nil
        stats.connections.store(connections.count, ordering: .relaxed)
        host.metric(SB_METRIC_GAUGE, "switchboard_websocket_connections", Double(connections.count))
    }

    /// LWS_CALLBACK_HTTP: a plain HTTP request (no upgrade). 426 on the endpoint, 404 elsewhere.
    func answerPlainHTTP(_ wsi: OpaquePointer) -> Int32 {
        let onEndpoint = (header(wsi, WSI_TOKEN_GET_URI) ?? "") == config.endpoint
        let message = onEndpoint ? "this endpoint speaks WebSocket only" : "not found"
        HTTPRefusal.send(status: onEndpoint ? 426 : 404, message: message, on: wsi)
        return -1
    }

    func header(_ wsi: OpaquePointer, _ token: lws_token_indexes) -> String? {
        let length = Int(lws_hdr_total_length(wsi, token))
        guard length > 0, length < 16 * 1024 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            guard lws_hdr_copy(wsi, buffer.baseAddress, Int32(length + 1), token) >= 0 else { return nil }
            return String(cString: buffer.baseAddress!)
        }
    }

    func urlArgument(_ wsi: OpaquePointer, _ name: String) -> String? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 1024) { buffer in
            buffer[0] = 0
            guard let value = lws_get_urlarg_by_name(wsi, name + "=", buffer.baseAddress, 1024) else { return nil }
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
    }
}
