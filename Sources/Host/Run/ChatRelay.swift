import PluginABI
import Synchronization

/// Answers `sb_host_api.submit` until the orchestrator exists: op "chat" goes to the active
/// provider (then its fallbacks) unchanged and its events flow straight back to the submitting plugin.
final class ChatRelay: HostRequestHandler {
    private let chain: ProviderChain
    private let accepting = Atomic<Bool>(true)

    init(chain: ProviderChain) { self.chain = chain }

    /// Refuses new requests from now on; cancel keeps working so transports can stop their turns.
    func stopAccepting() { accepting.store(false, ordering: .releasing) }

    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        guard accepting.load(ordering: .acquiring) else {
            throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "the host is shutting down")
        }
        guard op == "chat" else { throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "unknown op '\(op)' (this host supports: chat)") }
        return try chain.start(request: request, sink: sink)
    }

    func cancel(handle: UInt64) { chain.cancel(handle) }
}
