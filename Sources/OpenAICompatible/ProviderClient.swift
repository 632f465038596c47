import CurlHTTP
import Foundation
import JSONSupport
import PluginKit
import ProviderCore
import Synchronization

/// One provider instance's client: its settings, transfers, circuit breaker and outbound limits.
/// Thread-safe: `chat` may be called from any thread.
final class ProviderClient: Sendable {
    let profile: ProviderProfile
    let multi: CurlMulti
    let breaker: CircuitBreaker
    let limiter: OutboundLimiter
    private let current: Mutex<ProviderSettings>

    var settings: ProviderSettings { current.withLock { $0 } }

    init(profile: ProviderProfile, settings: ProviderSettings, multi: CurlMulti) {
        self.profile = profile
        self.multi = multi
        current = Mutex(settings)
        let start = Date()
        let clock: @Sendable () -> Double = { Date().timeIntervalSince(start) }
        breaker = CircuitBreaker(failureThreshold: settings.failureThreshold, cooldown: settings.cooldown, now: clock)
        limiter = OutboundLimiter(limits: settings.limits, now: clock, schedule: { delay, work in
            DispatchQueue.global().asyncAfter(deadline: .now() + delay, execute: work)
        })
    }

    /// Replaces the settings; calls already started keep the ones they started with.
    func update(_ settings: ProviderSettings) { current.withLock { $0 = settings } }

    /// Starts the "chat" op. The request is an OpenAI-style chat request; its fields override the
    /// config block's parameters.
    /// - Throws: `PluginError` (SB_ERR_INVALID) for a request that is not a JSON object or names no model.
    func chat(_ operation: PluginKit.Operation) throws(PluginError) {
        let settings = self.settings
        guard case .object(let fields)? = try? JSONValue.parse(operation.request) else {
            throw .invalid("the chat request must be a JSON object")
        }
        var body = settings.parameters.merging(fields) { _, request in request }
        guard case .string(let model)? = body["model"], !model.isEmpty else {
            throw .invalid("no model: set \"model\" in the provider's config block or in the request")
        }
        guard case .array? = body["messages"] else { throw .invalid("the chat request needs \"messages\" (a list)") }
        let streamed = body["stream"] != .bool(false)
        body["stream"] = .bool(streamed)
        if streamed && body["stream_options"] == nil { body["stream_options"] = .object(["include_usage": .bool(true)]) }
        profile.adjustBody(&body)

        let json = JSONValue.object(body).jsonText
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("Accept", streamed ? "text/event-stream" : "application/json")]
        if let key = settings.apiKey, !key.isEmpty { headers.append(("Authorization", "Bearer \(key)")) }
        headers += profile.extraHeaders(settings).map { (name: $0.0, value: $0.1) }
        headers += settings.headers.map { (name: $0.0, value: $0.1) }
        let request = HTTPRequest(url: settings.baseURL.trimmingSuffix("/") + "/chat/completions", method: "POST", headers: headers,
                                  body: Data(json.utf8), connectTimeout: settings.connectTimeout, totalTimeout: settings.timeout,
                                  idleTimeout: settings.idleTimeout)
        let prices = PriceTable(settings.prices.mapValues { ModelPrice(promptPerMillion: $0.prompt, completionPerMillion: $0.completion) })
        let call = ChatCall(operation: operation, client: self, settings: settings, request: request, streamed: streamed,
                            configuration: ChatResponseConfiguration(requestedModel: model, prices: prices))
        let maxTokens: Int
        if case .int(let n)? = body["max_tokens"] ?? body["max_completion_tokens"] { maxTokens = Int(n) } else { maxTokens = 1024 }
        limiter.submit(tokens: json.utf8.count / 4 + maxTokens, start: { call.begin() }, refuse: { [weak self] reason in
            EventEmitter.fail(ProviderError(code: "rate_limited", message: reason, retryable: true), on: operation, apiKey: self?.settings.apiKey)
        })
    }

    /// A call ended: frees its limiter slot and tells the breaker (nil: cancelled, no verdict).
    func release(success: Bool?) {
        if success == true { breaker.recordSuccess() } else if success == false { breaker.recordFailure() }
        limiter.finished()
    }

    /// {"state", "circuit": {...}, "queued", "running", "base_url"}; never the key.
    var statusJSON: String {
        let state = breaker.state == .closed ? "up" : "degraded"
        return #"{"state":"\#(state)","provider":"\#(profile.name)","circuit":\#(breaker.statusJSON),"queued":\#(limiter.queuedCount),"running":\#(limiter.runningCount),"base_url":\#(JSONValue.string(settings.baseURL).jsonText)}"#
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
