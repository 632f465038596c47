import Testing
@testable import ProviderCore

/// Usage is reported once, from the last usage object, and costed when the provider did not.
@Suite struct UsagePricingTests {
    private func usage(_ json: String) -> String { #"{"choices":[],"usage":\#(json)}"# }

    @Test func cumulativeUsageRepeatedOnEveryChunkIsReportedOnceWithTheLastValues() {
        let payloads = [
            chunk(delta: #"{"content":"a"}"#, extra: #","usage":{"prompt_tokens":10,"completion_tokens":1,"total_tokens":11}"#),
            chunk(delta: #"{"content":"b"}"#, extra: #","usage":{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}"#),
            "[DONE]",
        ]
        #expect(accumulate(payloads) == [.textDelta("a"), .textDelta("b"),
                                         .usage(TokenUsage(promptTokens: 10, completionTokens: 2, totalTokens: 12)), .done])
    }

    @Test func cachedTokensArePricedAtTheCachedRate() throws {
        let price = ModelPrice(promptPerMillion: 2, completionPerMillion: 8, cachedPromptPerMillion: 0.5)
        let configuration = ChatResponseConfiguration(requestedModel: "m", prices: PriceTable(["m": price]))
        let payload = usage(#"{"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100,"prompt_tokens_details":{"cached_tokens":800}}"#)
        let reported = try #require(accumulate([payload, "[DONE]"], configuration: configuration).usage)
        #expect(reported.cachedTokens == 800)
        let expected: Double = (200 * 2 + 800 * 0.5 + 100 * 8) / 1_000_000
        #expect(reported.cost == expected)
    }

    @Test func deepSeeksCacheHitTokensCountAsCached() throws {
        let payload = usage(#"{"prompt_tokens":50,"completion_tokens":5,"total_tokens":55,"prompt_cache_hit_tokens":32,"prompt_cache_miss_tokens":18}"#)
        #expect(try #require(accumulate([payload, "[DONE]"]).usage).cachedTokens == 32)
    }

    @Test func withoutAPriceTheCostStaysUnknown() throws {
        let configuration = ChatResponseConfiguration(requestedModel: "other", prices: PriceTable(["m": ModelPrice(promptPerMillion: 1, completionPerMillion: 1)]))
        let reported = try #require(accumulate([usage(#"{"prompt_tokens":1,"completion_tokens":1}"#), "[DONE]"], configuration: configuration).usage)
        #expect(reported.cost == nil)
        #expect(reported.totalTokens == 2)
    }

    @Test func aProviderCostOfZeroIsKept() throws {
        let configuration = ChatResponseConfiguration(requestedModel: "m", prices: PriceTable(["m": ModelPrice(promptPerMillion: 1, completionPerMillion: 1)]))
        let payload = usage(#"{"prompt_tokens":10,"completion_tokens":10,"total_tokens":20,"cost":0,"is_byok":true}"#)
        #expect(try #require(accumulate([payload, "[DONE]"], configuration: configuration).usage).cost == 0)
    }

    @Test func aNullUsageIsNoUsage() {
        #expect(accumulate([chunk(extra: #","usage":null"#), "[DONE]"]) == [.done])
    }

    @Test func modelPriceCostsEveryKindOfToken() {
        let price = ModelPrice(promptPerMillion: 3, completionPerMillion: 15)
        #expect(price.cost(of: TokenUsage(promptTokens: 1_000_000, completionTokens: 0, totalTokens: 1_000_000)) == 3)
        #expect(price.cost(of: TokenUsage(promptTokens: 0, completionTokens: 2_000_000, totalTokens: 2_000_000)) == 30)
        // More cached tokens than prompt tokens (a provider bug) never gives a negative cost.
        #expect(price.cost(of: TokenUsage(promptTokens: 10, completionTokens: 0, totalTokens: 10, cachedTokens: 50)) >= 0)
    }
}
