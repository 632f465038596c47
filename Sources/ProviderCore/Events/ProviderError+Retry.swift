extension ProviderError {
    /// HTTP statuses worth retrying: timeouts, conflicts, rate limits, server and gateway errors
    /// (including Cloudflare's 52x, which fronts several providers).
    static let retryableStatuses = Set([408, 409, 425, 429, 500, 502, 503, 504] + Array(520...529))

    /// Provider error codes and types (OpenAI, Groq, OpenRouter, Anthropic-style) worth retrying.
    static let retryableCodes: Set<String> = [
        "rate_limit_exceeded", "rate_limit_error", "server_error", "internal_error", "internal_server_error",
        "overloaded", "overloaded_error", "service_unavailable", "timeout", "request_timeout", "stream_error",
    ]

    /// Decides whether a failure is worth retrying from its HTTP status and its code.
    /// - Returns: true for a retryable status (`retryableStatuses`) or code (`retryableCodes`).
    public static func isRetryable(code: String, httpStatus: Int?) -> Bool {
        if let httpStatus, retryableStatuses.contains(httpStatus) { return true }
        return retryableCodes.contains(code.lowercased())
    }
}
