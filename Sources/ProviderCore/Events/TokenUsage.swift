/// Token counts and cost of one reply (`SB_EVENT_USAGE`).
public struct TokenUsage: Equatable, Sendable {
    /// Tokens of the request (the prompt), cached ones included.
    public var promptTokens: Int
    /// Tokens of the reply, reasoning included.
    public var completionTokens: Int
    /// The provider's total, or prompt + completion when it sent none.
    public var totalTokens: Int
    /// Prompt tokens served from the provider's cache, when it says.
    public var cachedTokens: Int?
    /// Cost in USD: the provider's own figure (OpenRouter's usage accounting) when it sent one,
    /// else computed from the configured `PriceTable`, else nil.
    public var cost: Double?

    /// Usage figures; see the properties for what each holds.
    public init(promptTokens: Int, completionTokens: Int, totalTokens: Int, cachedTokens: Int? = nil, cost: Double? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.cachedTokens = cachedTokens
        self.cost = cost
    }
}
