/// A failure of the MCP client: a stable code word (what clients match on) and a message with
/// the real values (server name, method, seconds). Equality compares the code only.
/// The plugin maps it once, at the ABI boundary, to an `sb_status` or a tool-error result.
public struct MCPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidConfig = "invalid_config"
        case invalidRequest = "invalid_request"
        /// The server is not connected (starting, restarting, given up, disabled).
        case serverDown = "server_down"
        case spawnFailed = "spawn_failed"
        case timeout
        case cancelled
        /// The server answered with a JSON-RPC error (see `rpc`).
        case serverError = "server_error"
        /// The server broke the protocol (bad JSON-RPC, impossible answer).
        case protocolError = "protocol_error"
        /// The connection failed (pipe, socket, HTTP status).
        case transport = "transport_error"
        /// An HTTP session expired (404): re-initialize and retry.
        case sessionExpired = "session_expired"
        case notFound = "not_found"
        /// Too many requests in flight, or a bounded buffer is full.
        case busy
    }

    public var code: Code
    public var message: String
    /// The server's own error, for `.serverError`.
    public var rpc: RPCError?
    /// The HTTP status, when the failure was an HTTP answer.
    public var httpStatus: Int?

    public init(_ code: Code, _ message: String, rpc: RPCError? = nil, httpStatus: Int? = nil) {
        (self.code, self.message, self.rpc, self.httpStatus) = (code, message, rpc, httpStatus)
    }

    public static func invalidConfig(_ message: String) -> MCPError { MCPError(.invalidConfig, message) }
    public static func serverDown(_ message: String) -> MCPError { MCPError(.serverDown, message) }
    public static func transport(_ message: String) -> MCPError { MCPError(.transport, message) }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func == (a: MCPError, b: MCPError) -> Bool { a.code == b.code }
}
