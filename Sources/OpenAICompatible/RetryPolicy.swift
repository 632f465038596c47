import CurlHTTP
import Foundation

/// When to retry a failed request, and how long to wait first: exponential backoff with jitter,
/// honouring a server's Retry-After. Only failures before the first streamed byte are retried;
/// once a reply has begun streaming, a retry would repeat text the client already saw.
struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included.
    var maxAttempts = 3
    var initialDelay = 0.5
    var maxDelay = 8.0
    /// A Retry-After longer than this is not waited for: the request fails (retryable) instead.
    var maxRetryAfter = 30.0

    /// Whether a failure of this kind may be retried (before any byte of the reply streamed).
    static func isRetryable(status: Int?, failure: TransferFailure.Kind?) -> Bool {
        if let failure { return failure == .connect || failure == .timeout }
        guard let status else { return false }
        return status == 408 || status == 429 || (500...599).contains(status)
    }

    /// Seconds to wait before attempt `attempt + 1` (attempt counts from 1), or nil to give up.
    /// - Parameter random: a value in 0..<1 for the jitter (injected so tests are exact).
    func delay(afterAttempt attempt: Int, retryAfter: Double?, random: Double) -> Double? {
        guard attempt < maxAttempts else { return nil }
        if let retryAfter {
            return retryAfter <= maxRetryAfter ? max(0, retryAfter) : nil
        }
        let backoff = min(maxDelay, initialDelay * pow(2, Double(attempt - 1)))
        return backoff * (0.5 + random / 2)  // "equal jitter": between half and all of the backoff
    }

    /// Parses a Retry-After header: delay-seconds or an HTTP date.
    static func retryAfterSeconds(_ header: String?, now: Date = Date()) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: header).map { max(0, $0.timeIntervalSince(now)) }
    }
}
