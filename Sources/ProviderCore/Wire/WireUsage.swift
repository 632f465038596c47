/// The `usage` object of a chat completion or chunk, as sent (OpenAI, OpenRouter, Groq, DeepSeek).
struct WireUsage: Equatable {
    var promptTokens: Int?
    var completionTokens: Int?
    var totalTokens: Int?
    /// `prompt_tokens_details.cached_tokens` (OpenAI, OpenRouter) or `prompt_cache_hit_tokens` (DeepSeek).
    var cachedTokens: Int?
    /// OpenRouter's usage accounting: the reply's cost in USD (credits).
    var cost: Double?

    /// Reads a usage object; nil for `null` or a value of another type.
    static func read(from reader: inout JSONReader) throws -> WireUsage? {
        var usage = WireUsage()
        let isObject = try reader.readObject { reader, key in
            switch key {
            case "prompt_tokens": usage.promptTokens = try reader.readInt()
            case "completion_tokens": usage.completionTokens = try reader.readInt()
            case "total_tokens": usage.totalTokens = try reader.readInt()
            case "cost": usage.cost = try reader.readDouble()
            case "prompt_cache_hit_tokens":
                let hits = try reader.readInt()
                usage.cachedTokens = usage.cachedTokens ?? hits
            case "prompt_tokens_details":
                try reader.readObject { reader, key in
                    switch key {
                    case "cached_tokens": usage.cachedTokens = try reader.readInt() ?? usage.cachedTokens
                    default: try reader.skipValue()
                    }
                }
            default: try reader.skipValue()
            }
        }
        return isObject ? usage : nil
    }

    /// The usage event's payload, before pricing.
    var tokenUsage: TokenUsage {
        let prompt = promptTokens ?? 0
        let completion = completionTokens ?? 0
        return TokenUsage(promptTokens: prompt, completionTokens: completion,
                          totalTokens: totalTokens ?? prompt + completion, cachedTokens: cachedTokens, cost: cost)
    }
}
