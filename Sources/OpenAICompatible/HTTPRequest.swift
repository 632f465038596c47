import Foundation

/// One HTTP request for `CurlMulti`.
struct HTTPRequest: Sendable {
    var url: String
    var method = "POST"
    var headers: [(name: String, value: String)] = []
    var body = Data()
    /// Seconds to establish the connection (TCP + TLS).
    var connectTimeout: Double = 10
    /// Seconds for the whole transfer, streaming included; 0 means no limit.
    var totalTimeout: Double = 0
}

/// Why a transfer ended without a complete response. Never contains the request's headers
/// (they carry the API key).
struct TransferFailure: Error, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case connect      // could not connect (refused, DNS, TLS): safe to retry
        case timeout      // connect or total timeout
        case dropped      // the connection broke after the response began
        case cancelled    // cancel() or shutdown
        case aborted      // a handler asked to stop
        case other
    }
    var kind: Kind
    var message: String
}

/// What a transfer reports, on the multi thread, in order: `head` once (status and headers,
/// before any body), `body` for each chunk (return false to abort), then `end` exactly once.
struct TransferHandlers: Sendable {
    var head: @Sendable (_ status: Int, _ headers: [String: String]) -> Void
    var body: @Sendable (UnsafeRawBufferPointer) -> Bool
    var end: @Sendable (TransferFailure?) -> Void
}
