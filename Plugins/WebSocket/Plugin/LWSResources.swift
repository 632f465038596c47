import CWebSockets
import Glibc
import WebSocketProtocol

/// The protocol callback's C type.
typealias LWSCallback = @convention(c) (OpaquePointer?, lws_callback_reasons, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, Int) -> Int32

/// The C memory a libwebsockets context points into for its whole life: the protocol table,
/// the retry (ping) policy and the strings. Freed after `lws_context_destroy`.
final class LWSResources: @unchecked Sendable {  // used by the thread that creates and destroys the context
    /// Per-connection user memory lws allocates: the retained `Connection` (set when the
    /// connection is established) and the matched API key index + 1 (set by the upgrade filter).
    struct Session {
        var connection: UnsafeMutableRawPointer?
        var keyIndexPlusOne: Int
    }

    private let config: WebSocketConfig
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let retry: UnsafeMutablePointer<lws_retry_bo_t>
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let loops: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private var freed = false

    /// The libev (epoll) loop lws runs on; nil when libev could not make one.
    var eventLoop: UnsafeMutableRawPointer? { loops[0] }

    init(config: WebSocketConfig, callback: LWSCallback) {
        self.config = config
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)  // the second one, all zero, ends the list
        retry = .allocate(capacity: 1)
        retry.initialize(to: lws_retry_bo_t())
        loops = .allocate(capacity: 1)
        loops.initialize(to: clws_ev_loop_new())
        protocols[0].name = UnsafePointer(keep("switchboard"))
        protocols[0].callback = callback
        protocols[0].per_session_data_size = MemoryLayout<Session>.size
        protocols[0].rx_buffer_size = 4096
        // lws pings a connection when its last pong is this old, and drops it when no pong came
        // for the interval plus the timeout. "Never" (0) is the longest lws can count, 18 hours:
        // without a policy lws would use its own default of a few minutes.
        let interval = config.pingInterval > 0 ? config.pingInterval : Int(UInt16.max) - 1
        retry.pointee.secs_since_valid_ping = UInt16(clamping: interval)
        retry.pointee.secs_since_valid_hangup = UInt16(clamping: interval + (config.pingInterval > 0 ? config.pingTimeout : 1))
    }

    private func keep(_ text: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(text)!
        strings.append(copy)
        return copy
    }

    /// Creates the context with one vhost listening on the configured address.
    func makeContext(user: UnsafeMutableRawPointer) -> OpaquePointer? {
        lws_set_log_level(Int32(LLL_ERR | LLL_WARN), LWSLog.emit)
        var info = lws_context_creation_info()
        info.port = Int32(config.port)
        switch config.host {
        case "0.0.0.0", "::", "*": info.iface = nil  // every interface
        case "localhost": info.iface = UnsafePointer(keep("127.0.0.1"))
        default: info.iface = UnsafePointer(keep(config.host))
        }
        info.protocols = UnsafePointer(protocols)
        info.user = user
        info.gid = -1
        info.uid = -1
        info.options = UInt64(LWS_SERVER_OPTION_VALIDATE_UTF8) | UInt64(LWS_SERVER_OPTION_DISABLE_IPV6)
        if config.host.contains(":") { info.options &= ~UInt64(LWS_SERVER_OPTION_DISABLE_IPV6) }
        info.server_string = UnsafePointer(keep("switchboard"))
        // Request headers beyond this are not kept (lws answers the request with an error).
        info.max_http_header_data = UInt16(clamping: config.http.maxHeaderBytes)
        info.retry_and_idle_policy = UnsafePointer(retry)
        guard loops[0] != nil else { return nil }
        // On our epoll loop (lws's evlib plugin for libev), not lws's poll(): see clws_ev_loop_new.
        info.options |= UInt64(LWS_SERVER_OPTION_LIBEV)
        info.foreign_loops = loops
        return lws_create_context(&info)
    }

    /// Frees the memory; call once, after the context is destroyed (or was never created).
    func free() {
        guard !freed else { return }
        freed = true
        for string in strings { Glibc.free(string) }
        strings = []
        protocols.deinitialize(count: 2)
        protocols.deallocate()
        retry.deinitialize(count: 1)
        retry.deallocate()
        if let loop = loops[0] { clws_ev_loop_destroy(loop) }
        loops.deinitialize(count: 1)
        loops.deallocate()
    }
}
