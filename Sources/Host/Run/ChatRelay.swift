import PluginABI

/// Answers `sb_host_api.submit` until the orchestrator exists: op "chat" goes to the active
/// provider unchanged and its events flow straight back to the submitting plugin.
final class ChatRelay: HostRequestHandler {
    private let provider: ComponentInstance?

    init(provider: ComponentInstance?) { self.provider = provider }

    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        guard op == "chat" else { throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "unknown op '\(op)' (this host supports: chat)") }
        guard let provider else { throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "no provider is active") }
        return try provider.start(op: "chat", request: request, forwardingTo: sink)
    }

    func cancel(handle: UInt64) { provider?.cancel(handle) }
}
