import PluginABI

extension CreateContext {
    /// Submits a host op (`sb_host_api.submit`), such as `config_get`. Its events go to
    /// `onEvent(user, event)` from any thread, possibly before this returns; exactly one is terminal.
    /// - Returns: the request's handle, or the host's refusal (no event is delivered then).
    /// - Important: `user` must stay valid until the terminal event; on a refusal it is not used.
    public func submit(_ op: String, request: String, onEvent: sb_event_fn, user: UnsafeMutableRawPointer?) -> Result<UInt64, PluginError> {
        guard let submit = host.pointee.submit else { return .failure(.unsupported("this host cannot take requests")) }
        var handle: UInt64 = 0
        var body = request
        let capacity = 1024
        let message = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        defer { message.deallocate() }
        message[0] = 0
        let status = body.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { json in
                submit(hostRef, op, json.baseAddress, json.count, onEvent, user, &handle, message, capacity)
            }
        }
        message[capacity - 1] = 0
        return status == SB_OK ? .success(handle) : .failure(PluginError(status, String(cString: message)))
    }
}
