import MCPClient
import PluginABI
import PluginKit

/// The one place where MCP client failures become ABI statuses (ERROR events, refused starts).
extension MCPError {
    var status: sb_status {
        switch code {
        case .invalidConfig, .invalidRequest: return SB_ERR_INVALID
        case .serverDown, .spawnFailed: return SB_ERR_UNAVAILABLE
        case .timeout: return SB_ERR_TIMEOUT
        case .cancelled: return SB_ERR_CANCELLED
        case .notFound: return SB_ERR_NOT_FOUND
        case .busy: return SB_ERR_BUSY
        case .serverError:
            // A server's "no such prompt/resource" (-32602, or -32002 before 2026-07-28) is not found.
            if let rpc, rpc.code == RPCError.invalidParams || rpc.code == RPCError.resourceNotFound { return SB_ERR_NOT_FOUND }
            return SB_ERR_IO
        case .protocolError, .transport, .sessionExpired: return SB_ERR_IO
        }
    }

    var pluginError: PluginError { PluginError(status, message) }
}
