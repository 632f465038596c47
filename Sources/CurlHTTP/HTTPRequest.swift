import Foundation

/// One HTTP request for `CurlMulti`.
public struct HTTPRequest: Sendable {
    public var url: String
    public var method = "POST"
    public var headers: [(name: String, value: String)] = []
    public var body = Data()
    /// Seconds to establish the connection (TCP + TLS).
    public var connectTimeout: Double = 10
    /// Seconds for the whole transfer, streaming included; 0 means no limit.
    public var totalTimeout: Double = 0
    /// Seconds without a byte from the server (before the response, or between two pieces of a
    /// stream) before the transfer fails with a timeout (CurlMulti checks every 100 ms); 0 means no limit.
    public var idleTimeout: Double = 0

    public init(url: String, method: String = "POST", headers: [(name: String, value: String)] = [], body: Data = Data(),
                connectTimeout: Double = 10, totalTimeout: Double = 0, idleTimeout: Double = 0) {
        (self.url, self.method, self.headers, self.body) = (url, method, headers, body)
        (self.connectTimeout, self.totalTimeout, self.idleTimeout) = (connectTimeout, totalTimeout, idleTimeout)
    }
}

/// Why a transfer ended without a complete response. Never contains the request's headers
/// (they carry the API key).
public struct TransferFailure: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case connect      // could not connect (refused, DNS, TLS): safe to retry
        case timeout      // connect or total timeout
        case dropped      // the connection broke after the response began
        case cancelled    // cancel() or shutdown
        case aborted      // a handler asked to stop
        case other
    }
    public var kind: Kind
    public var message: String

    public init(kind: Kind, message: String) { (self.kind, self.message) = (kind, message) }
}

/// What a transfer reports, on the multi thread, in order: `head` once (status and headers,
/// before any body), `body` for each chunk (return false to abort), then `end` exactly once.
public struct TransferHandlers: Sendable {
    public var head: @Sendable (_ status: Int, _ headers: [String: String]) -> Void
    public var body: @Sendable (UnsafeRawBufferPointer) -> Bool
    public var end: @Sendable (TransferFailure?) -> Void

    public init(head: @escaping @Sendable (_ status: Int, _ headers: [String: String]) -> Void,
                body: @escaping @Sendable (UnsafeRawBufferPointer) -> Bool, end: @escaping @Sendable (TransferFailure?) -> Void) {
        (self.head, self.body, self.end) = (head, body, end)
    }
}
