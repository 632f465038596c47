/// Prices by model name, for providers whose usage carries no cost (OpenAI, Groq; OpenRouter
/// reports its own cost, which always wins).
public struct PriceTable: Equatable, Sendable {
    /// Keyed by model name as the provider reports it (`gpt-4o-2024-08-06`) or as it was requested (`gpt-4o`).
    public var prices: [String: ModelPrice]

    /// A table of `prices` by model name; empty by default (no costs computed).
    public init(_ prices: [String: ModelPrice] = [:]) {
        self.prices = prices
    }

    /// The price of the first of `models` that has one (nil entries are skipped).
    public func price(forFirstOf models: [String?]) -> ModelPrice? {
        for case let model? in models {
            if let price = prices[model] { return price }
        }
        return nil
    }

    /// `usage` with its cost filled in when the provider sent none and a price is known.
    /// - Parameter models: the names to look up, in order (the response's model, then the requested one).
    public func priced(_ usage: TokenUsage, models: [String?]) -> TokenUsage {
        guard usage.cost == nil, let price = price(forFirstOf: models) else { return usage }
        var priced = usage
        priced.cost = price.cost(of: usage)
        return priced
    }
}
