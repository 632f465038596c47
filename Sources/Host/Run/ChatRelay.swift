import PluginABI
import Synchronization

/// Answers `sb_host_api.submit` until the orchestrator exists: op "chat" goes to the active
/// provider unchanged and its events flow straight back to the submitting plugin.
final class ChatRelay: HostRequestHandler {
    private let provider: ComponentInstance?
    private let accepting = Atomic<Bool>(true)

    init(provider: ComponentInstance?) { self.provider = provider }

    /// Refuses new requests from now on; cancel keeps working so transports can stop their turns.
    func stopAccepting() { accepting.store(false, ordering: .releasing) }

    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        guard accepting.load(ordering: .acquiring) else {
            throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "the host is shutting down")
        }
        guard op == "chat" else { throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "unknown op '\(op)' (this host supports: chat)") }
        guard let provider else { throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "no provider is active") }
        return try provider.start(op: "chat", request: request, forwardingTo: sink)
    }

    func cancel(handle: UInt64) { provider?.cancel(handle) }
}
