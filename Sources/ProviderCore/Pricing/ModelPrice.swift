/// What one model costs, in USD per million tokens.
public struct ModelPrice: Equatable, Sendable {
    /// USD per million prompt (input) tokens.
    public var promptPerMillion: Double
    /// USD per million completion (output) tokens, reasoning included.
    public var completionPerMillion: Double
    /// The price of prompt tokens served from the provider's cache; nil prices them as other prompt tokens.
    public var cachedPromptPerMillion: Double?

    /// A price; `cachedPromptPerMillion` nil prices cached prompt tokens like the others.
    public init(promptPerMillion: Double, completionPerMillion: Double, cachedPromptPerMillion: Double? = nil) {
        self.promptPerMillion = promptPerMillion
        self.completionPerMillion = completionPerMillion
        self.cachedPromptPerMillion = cachedPromptPerMillion
    }

    /// The cost of `usage` in USD.
    public func cost(of usage: TokenUsage) -> Double {
        let cached = min(max(usage.cachedTokens ?? 0, 0), usage.promptTokens)
        let uncached = Double(usage.promptTokens - cached) * promptPerMillion
        let cachedCost = Double(cached) * (cachedPromptPerMillion ?? promptPerMillion)
        return (uncached + cachedCost + Double(usage.completionTokens) * completionPerMillion) / 1_000_000
    }
}
