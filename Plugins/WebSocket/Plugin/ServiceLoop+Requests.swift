import PluginABI
import WebSocketProtocol

extension ServiceLoop {
    /// Submits an admitted request to the host. Events (even the terminal one) may arrive
    /// before `submit` returns, so no lock is held across it.
    /// - Important: Service thread only.
    func submit(_ subscription: Subscription, request: String) {
        liveSubscriptions.add(1, ordering: .acquiringAndReleasing)
        if let key = subscription.turnKey {
            turns.withLock { $0.follow(key, subscription: subscription.id, isChat: subscription.op == "chat") }
        }
        let user = Unmanaged.passRetained(subscription).toOpaque()
        do throws(HostLink.Refusal) {
            let handle = try host.submit(op: subscription.op, request: request, onEvent: Subscription.onEvent, user: user)
            subscription.handle = handle
            stats.requestsSubmitted.add(1, ordering: .relaxed)
            if let key = subscription.turnKey {
                turns.withLock { $0.started(key, subscription: subscription.id, handle: handle) }
            }
        } catch {
            Unmanaged<Subscription>.fromOpaque(user).release()
            subscriptionEnded(subscription)
            subscription.connection.submitFailed(subscription, status: error.status, message: error.message)
        }
    }

    /// The subscription's op ended (terminal event, or a refused submit). Any thread.
    func subscriptionEnded(_ subscription: Subscription) {
        if let key = subscription.turnKey {
            turns.withLock { $0.ended(key, subscription: subscription.id) }
        }
        liveSubscriptions.subtract(1, ordering: .acquiringAndReleasing)
    }

    /// The subscription's connection went away: cancel its op, and the turn it follows when
    /// nobody else follows it (`TurnTable`).
    /// - Important: Service thread only (or the thread destroying the context).
    func abandon(_ subscription: Subscription) {
        var cancelOwn = true
        var cancelTurn: UInt64?
        if let key = subscription.turnKey {
            let abandonment = turns.withLock { $0.abandoned(key, subscription: subscription.id) }
            cancelOwn = abandonment.cancelOwn
            cancelTurn = abandonment.cancelTurn
        }
        host.log(SB_LOG_DEBUG, "connection \(subscription.connection.id) gone: \(subscription.op) '\(subscription.requestId)' "
                 + (cancelOwn ? "cancelled" : "left running for its other followers") + (cancelTurn != nil ? ", and its turn" : ""))
        if cancelOwn {
            stats.requestsCancelled.add(1, ordering: .relaxed)
            host.cancel(subscription.handle)
        }
        if let cancelTurn, cancelTurn != subscription.handle { host.cancel(cancelTurn) }
    }

    /// A client's `cancel`: stops the turn the subscription shows (wherever on this host it
    /// started) and the subscription itself; its terminal event becomes the client's answer.
    /// - Important: Service thread only.
    func cancelTurn(of subscription: Subscription) {
        stats.requestsCancelled.add(1, ordering: .relaxed)
        if let key = subscription.turnKey, let turn = turns.withLock({ $0.turnHandle(key) }), turn != subscription.handle {
            host.cancel(turn)
        }
        host.cancel(subscription.handle)
    }
}
