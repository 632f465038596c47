import Foundation
import JSONSupport

/// A provider instance's config block, split in two: the infrastructure keys Switchboard uses
/// itself, and every other key, which goes into the request body unchanged (so a new model
/// parameter needs no code change).
///
/// ```yaml
/// base_url: https://api.openai.com/v1     # else $OPENAI_BASE_URL (per provider), else the default
/// api_key: env:OPENAI_API_KEY             # else the provider's key variable from the environment
/// connect_timeout: 10                     # seconds
/// timeout: 600                            # seconds for a whole request, streaming included
/// idle_timeout: 300                       # seconds without a byte (before the answer or mid-stream) before giving up; 0: none
/// retry: {max_attempts: 3, initial_delay: 0.5, max_delay: 8, max_retry_after: 30}
/// circuit_breaker: {failure_threshold: 5, cooldown: 30}
/// limits: {requests_per_minute: 0, tokens_per_minute: 0, max_concurrent: 0, max_queued: 1000, max_wait: 120}
/// headers: {X-Custom: value}
/// prices: {gpt-4o: {prompt: 2.5, completion: 10}}   # USD per million tokens, when the provider reports no cost
/// model: gpt-4o-mini                      # everything else is passed through: model, temperature, ...
/// ```
struct ProviderSettings: Sendable {
    static let infrastructureKeys: Set<String> = ["base_url", "api_key", "connect_timeout", "timeout", "idle_timeout", "retry",
                                                  "circuit_breaker", "limits", "headers", "prices", "http_referer", "app_title"]

    var baseURL: String
    var apiKey: String?
    var connectTimeout = 10.0
    var timeout = 600.0
    var idleTimeout = 300.0  // reasoning models may think for minutes before their first byte
    var retry = RetryPolicy()
    var failureThreshold = 5
    var cooldown = 30.0
    var limits = OutboundLimiter.Limits()
    var headers: [(String, String)] = []
    var prices: [String: (prompt: Double, completion: Double)] = [:]
    var parameters: [String: JSONValue] = [:]
    /// OpenRouter attribution (sent as HTTP-Referer and X-Title by that profile).
    var httpReferer: String?
    var appTitle: String?

    /// - Throws: `ProviderConfigError` naming the key.
    init(json: String, profile: ProviderProfile, environment: [String: String]) throws(ProviderConfigError) {
        guard case .object(let object)? = try? JSONValue.parse(json) else { throw ProviderConfigError("the config block must be a JSON object") }
        let reader = ConfigValues(object)
        baseURL = try reader.string("base_url") ?? environment[profile.baseURLVariable] ?? profile.defaultBaseURL
        guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme ?? "") else {
            throw ProviderConfigError("base_url must be an http or https URL, found \"\(baseURL)\"")
        }
        apiKey = try reader.string("api_key") ?? environment[profile.apiKeyVariable]
        connectTimeout = try reader.number("connect_timeout") ?? connectTimeout
        timeout = try reader.number("timeout") ?? timeout
        idleTimeout = try reader.number("idle_timeout") ?? idleTimeout
        retry.maxAttempts = try reader.integer("retry.max_attempts") ?? retry.maxAttempts
        retry.initialDelay = try reader.number("retry.initial_delay") ?? retry.initialDelay
        retry.maxDelay = try reader.number("retry.max_delay") ?? retry.maxDelay
        retry.maxRetryAfter = try reader.number("retry.max_retry_after") ?? retry.maxRetryAfter
        failureThreshold = try reader.integer("circuit_breaker.failure_threshold") ?? failureThreshold
        cooldown = try reader.number("circuit_breaker.cooldown") ?? cooldown
        limits.requestsPerMinute = try reader.integer("limits.requests_per_minute") ?? 0
        limits.tokensPerMinute = try reader.integer("limits.tokens_per_minute") ?? 0
        limits.maxConcurrent = try reader.integer("limits.max_concurrent") ?? 0
        limits.maxQueued = try reader.integer("limits.max_queued") ?? limits.maxQueued
        limits.maxWait = try reader.number("limits.max_wait") ?? limits.maxWait
        httpReferer = try reader.string("http_referer")
        appTitle = try reader.string("app_title")
        if case .object(let custom)? = object["headers"] {
            for (name, value) in custom.sorted(by: { $0.key < $1.key }) {
                guard case .string(let text) = value else { throw ProviderConfigError("headers.\(name) must be a string") }
                headers.append((name, text))
            }
        }
        if case .object(let table)? = object["prices"] {
            for (model, entry) in table {
                guard let prompt = ConfigValues(entry).double("prompt"), let completion = ConfigValues(entry).double("completion") else {
                    throw ProviderConfigError("prices.\(model) needs numbers \"prompt\" and \"completion\" (USD per million tokens)")
                }
                prices[model] = (prompt, completion)
            }
        }
        guard retry.maxAttempts >= 1 else { throw ProviderConfigError("retry.max_attempts must be at least 1") }
        parameters = object.filter { !Self.infrastructureKeys.contains($0.key) }
    }

    /// Reads typed values by dotted path; absent keys read as nil.
    private struct ConfigValues {
        let root: JSONValue
        init(_ object: [String: JSONValue]) { root = .object(object) }
        init(_ value: JSONValue) { root = value }

        func double(_ path: String) -> Double? {
            switch root.value(atPath: path) {
            case .int(let n)?: return Double(n)
            case .double(let n)?: return n
            default: return nil
            }
        }
        func number(_ path: String) throws(ProviderConfigError) -> Double? {
            guard let value = root.value(atPath: path), value != .null else { return nil }
            guard let number = double(path), number >= 0 else { throw ProviderConfigError("\(path) must be a number of seconds >= 0") }
            return number
        }
        func integer(_ path: String) throws(ProviderConfigError) -> Int? {
            guard let value = root.value(atPath: path), value != .null else { return nil }
            guard case .int(let n) = value, n >= 0 else { throw ProviderConfigError("\(path) must be a whole number >= 0") }
            return Int(n)
        }
        func string(_ path: String) throws(ProviderConfigError) -> String? {
            guard let value = root.value(atPath: path), value != .null else { return nil }
            guard case .string(let text) = value else { throw ProviderConfigError("\(path) must be a string") }
            return text
        }
    }
}

/// A config block the provider cannot use; the message names the key.
struct ProviderConfigError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
