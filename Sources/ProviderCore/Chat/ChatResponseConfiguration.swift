/// What reading a chat-completions response needs beyond the bytes: the model that was asked
/// for and the prices used to cost usage the provider did not cost itself.
public struct ChatResponseConfiguration: Equatable, Sendable {
    /// The model named in the request; the price lookup falls back to it when the response's
    /// own model name (often a dated snapshot) has no price.
    public var requestedModel: String?
    public var prices: PriceTable

    /// A configuration; the defaults cost nothing (usage keeps only the provider's own cost).
    public init(requestedModel: String? = nil, prices: PriceTable = PriceTable()) {
        self.requestedModel = requestedModel
        self.prices = prices
    }

    /// The usage event for `usage`, priced when needed.
    func usageEvent(_ usage: WireUsage, responseModel: String?) -> ProviderEvent {
        .usage(prices.priced(usage.tokenUsage, models: [responseModel, requestedModel]))
    }
}
