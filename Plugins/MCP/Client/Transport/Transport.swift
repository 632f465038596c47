import Foundation
import JSONSupport

/// What a transport reports to its connection, from the transport's own thread, in order.
public enum TransportEvent: Sendable {
    case message(IncomingMessage)
    /// A request failed below JSON-RPC (HTTP status, session expired, stream lost).
    case requestFailed(RequestID, TransportFailure)
    /// A line or body that is not JSON-RPC: logged and ignored.
    case garbage(String)
    /// A line the server wrote to stderr (stdio): logging, never an error signal.
    case stderr(String)
    /// Something worth a line in the log (a resumed stream, a session renewal).
    case note(String)
    /// The connection ended; nothing follows.
    case closed(String)
}

public enum TransportFailure: Sendable, Equatable {
    case httpStatus(Int, body: JSONValue?)
    /// HTTP 404 for a request carrying a session id: the session is gone.
    case sessionExpired
    /// The response stream ended before the response, and could not be resumed.
    case streamLost(String)
    case other(String)
}

/// One message to send, with what an HTTP transport needs for its headers.
public struct OutgoingMessage: Sendable {
    public var body: Data
    /// Set for requests: their reply is awaited.
    public var id: RequestID?
    public var method: String
    /// `Mcp-Name` for tools/call, prompts/get and resources/read (modern HTTP).
    public var name: String?
}

/// A way of exchanging JSON-RPC messages with one server: a child process on stdio, or
/// Streamable HTTP.
///
/// Implementation requirements: `send` never blocks on the peer (bounded buffering; `.busy`
/// when full); events reach the handler from the transport's thread(s), one at a time;
/// `close()` blocks until every thread of the transport has stopped and nothing more will be
/// reported, then returns how the connection ended.
protocol MCPTransport: AnyObject, Sendable {
    /// Connects (or spawns) and starts reporting events.
    /// - Throws: `MCPError` when the server cannot be reached or started.
    func start(_ handler: @escaping @Sendable (TransportEvent) -> Void) throws(MCPError)
    /// - Throws: `MCPError` (`.transport`, `.busy`) when the message cannot be sent.
    func send(_ message: OutgoingMessage) throws(MCPError)
    /// Stops waiting for the answer to `id` (HTTP: closes its response stream, which a modern
    /// server takes as cancellation). Stdio has nothing to close.
    func abandon(_ id: RequestID)
    /// The handshake settled the session: HTTP sends its version header from now on.
    func established(_ session: SessionInfo)
    /// Forgets the session (HTTP: its id), before a new handshake.
    func resetSession()
    /// Ends the connection; blocks until the transport's threads have stopped.
    func close() -> String
    /// The child's pid (stdio), for status and tests.
    var processID: Int32? { get }
}
