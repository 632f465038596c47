import Synchronization

/// Estimates token counts without a vocabulary: about four UTF-8 bytes a token plus a few for
/// each message's framing (the rule the store uses too), scaled per model by how the provider's
/// reported `prompt_tokens` compared with the estimate of the same prompt.
final class TokenEstimator: Sendable {
    private let ratios = Mutex<[String: Double]>([:])

    /// The uncalibrated estimate of one message (or any text).
    static func rough(_ text: String) -> Int { text.utf8.count / 4 + 4 }

    static func rough(messages: [JSONValue]) -> Int {
        messages.reduce(0) { total, message in
            let content = message["content"]?.stringValue ?? message["content"].map { $0.jsonText } ?? ""
            let calls = message["tool_calls"].map { $0.jsonText.utf8.count / 4 } ?? 0
            return total + rough(content) + calls
        }
    }

    /// Model tokens per rough token for `model` (1 until the provider has reported usage).
    func ratio(for model: String) -> Double { ratios.withLock { $0[model] } ?? 1 }

    /// Learns from one model call: `estimated` rough tokens were reported as `reported`.
    func calibrate(model: String, estimated: Int, reported: Int) {
        guard estimated > 0, reported > 0 else { return }
        let observed = min(4, max(0.25, Double(reported) / Double(estimated)))
        ratios.withLock { ratios in
            // A moving average: one odd prompt (mostly code, say) does not swing the budget.
            ratios[model] = ratios[model].map { $0 * 0.7 + observed * 0.3 } ?? observed
        }
    }
}
