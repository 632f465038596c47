/// Why a reply failed (`SB_EVENT_ERROR`): what the provider said, or what went wrong reading it.
///
/// Codes are the provider's own (`"server_error"`, `"rate_limit_exceeded"`, OpenRouter's numeric
/// codes as text such as `"502"`) or one of ProviderCore's: `malformed_chunk`, `malformed_response`,
/// `event_too_large`, `empty_stream`, `empty_response`, `http_<status>`, `provider_error`.
public struct ProviderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A short machine-readable word; the ABI's `name` field.
    public var code: String
    /// A human-readable message with the details; the ABI's `text` field. Never contains secrets.
    public var message: String
    /// The HTTP status behind the failure: the response's status when it was not 2xx, or an
    /// HTTP-like numeric code the provider put in a mid-stream error (OpenRouter does); else nil.
    public var httpStatus: Int?
    /// True when the same request may succeed if sent again later (rate limits, overload,
    /// timeouts, 5xx); see `ProviderError.isRetryable(code:httpStatus:)`.
    public var retryable: Bool

    /// An error event's payload; see the properties for what each field holds.
    public init(code: String, message: String, httpStatus: Int? = nil, retryable: Bool) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.retryable = retryable
    }

    /// `code: message (HTTP status)`, for logs.
    public var description: String {
        "\(code): \(message)" + (httpStatus.map { " (HTTP \($0))" } ?? "")
    }
}
