import Foundation
import JSONSupport
import Synchronization

extension ServerConnection {
    /// Settles the session: runs `SessionMachine` (era detection, then `initialize` or nothing)
    /// over this connection. Supervisor thread; blocks until done or `deadline` (monotonic).
    /// - Parameters:
    ///   - hint: `.legacy` skips discovery (a previous process of this server was legacy).
    ///   - probeTimeout: how long `server/discover` may take before the server counts as legacy.
    /// - Throws: `MCPError` (`.protocolError` with the machine's reason, `.timeout`, `.serverDown`).
    @discardableResult
    func establish(hint: ProtocolEra?, deadline: Double, probeTimeout: Double) throws(MCPError) -> SessionInfo {
        transport.resetSession()
        state.withLock { $0.session = nil }
        var machine = SessionMachine(channel: channel, hint: hint)
        var steps = machine.start()
        var lastReplyTimedOut = false
        while !steps.isEmpty {
            switch steps.removeFirst() {
            case .notify(let method, let params):
                try transport.send(OutgoingMessage(body: JSONRPC.notification(method: method, params: params), id: nil, method: method))
            case .request(let method, let params):
                let remaining = deadline - Monotonic.now
                guard remaining > 0 else { throw MCPError(.timeout, "server '\(server)' did not finish the handshake in time (connection_timeout)") }
                let timeout = method == "server/discover" ? min(remaining, probeTimeout) : remaining
                let reply = try handshakeRequest(method, params: params, timeout: timeout)
                lastReplyTimedOut = reply == .timeout
                steps = machine.received(reply) + steps
            case .established(let info):
                state.withLock { $0.session = info }
                transport.established(info)
                return info
            case .failed(let reason) where lastReplyTimedOut:
                throw MCPError(.timeout, "server '\(server)' did not finish the handshake in time (connection_timeout): \(reason)")
            case .failed(let reason):
                throw MCPError(.protocolError, "server '\(server)': \(reason)")
            }
        }
        throw MCPError(.protocolError, "server '\(server)': the handshake ended without a session")
    }

    /// One handshake request, sent with exactly `params`, its outcome in the machine's terms.
    /// - Throws: `MCPError` when the connection closed meanwhile.
    private func handshakeRequest(_ method: String, params: JSONValue, timeout: Double) throws(MCPError) -> SessionMachine.Reply {
        let now = Monotonic.now
        let box = Mutex<Result<JSONValue, MCPError>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let completion: RequestCompletion = { result in
            box.withLock { $0 = result }
            done.signal()
        }
        let id: RequestID? = state.withLock { state in
            guard state.closed == nil else { return nil }
            let id = state.pending.makeID()
            state.pending.insert(PendingRequest(method: method, params: params, timeout: timeout, deadline: now + timeout,
                                                hardDeadline: now + timeout, completion: completion, startedAt: now), id: id)
            return id
        }
        guard let id else { throw .serverDown("server '\(server)' closed the connection during the handshake") }
        try transport.send(OutgoingMessage(body: JSONRPC.request(id: id, method: method, params: params), id: id, method: method))
        if done.wait(timeout: .now() + timeout) == .timedOut {
            if state.withLock({ $0.pending.remove(id) }) != nil {
                transport.abandon(id)  // no notifications/cancelled: initialize must never be cancelled
                return .timeout
            }
            done.wait()  // it completed just now
        }
        switch box.withLock({ $0 }) {
        case .success(let result)?: return .result(result)
        case .failure(let error)? where error.code == .serverDown: throw error
        case .failure(let error)? where error.code == .timeout: return .timeout
        case .failure(let error)?:
            if let status = error.httpStatus {
                let body = error.rpc.map { rpc in JSONValue.object(["error": .object(["code": .int(rpc.code), "message": .string(rpc.message), "data": rpc.data ?? .null])]) }
                return .httpStatus(status, body: body)
            }
            if let rpc = error.rpc { return .error(rpc) }
            return .error(RPCError(code: -32603, message: error.message))
        case nil:
            return .timeout
        }
    }
}
