import Testing
@testable import ProviderCore

/// Groq's stream: usage inside `x_groq`, reasoning in `reasoning`, whole tool calls in one chunk.
@Suite struct ChatStreamGroqTests {
    @Test func aRecordedStreamTakesUsageFromXGroq() {
        #expect(decode(Fixtures.groq) == [
            .textDelta("Hello"), .textDelta(" there"), .finish(reason: "stop"),
            .usage(TokenUsage(promptTokens: 18, completionTokens: 439, totalTokens: 457)), .done,
        ])
    }

    @Test func groqUsageIsPricedFromTheTable() throws {
        let prices = PriceTable(["llama-3.3-70b-versatile": ModelPrice(promptPerMillion: 0.59, completionPerMillion: 0.79)])
        let usage = try #require(decode(Fixtures.groq, configuration: ChatResponseConfiguration(prices: prices)).usage)
        let expected = (18 * 0.59 + 439 * 0.79) / 1_000_000
        #expect(abs(try #require(usage.cost) - expected) < 1e-15)
    }

    @Test func aWholeToolCallInOneChunkIsDeliveredAtFinish() {
        #expect(decode(Fixtures.groqToolCall) == [
            .reasoningDelta("Need the weather tool."),
            .toolCall(ToolCall(index: 0, id: "fc_3a7d", name: "get_weather", argumentsJSON: #"{"city":"Paris"}"#)),
            .finish(reason: "tool_calls"),
            .usage(TokenUsage(promptTokens: 140, completionTokens: 25, totalTokens: 165)), .done,
        ])
    }

    @Test func topLevelUsageWinsOverXGroqUsage() throws {
        let payload = #"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},"#
            + #""x_groq":{"id":"req_1","usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}}"#
        #expect(try #require(accumulate([payload, "[DONE]"]).usage).totalTokens == 3)
        let reversed = #"{"x_groq":{"id":"req_1","usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}},"#
            + #""choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#
        #expect(try #require(accumulate([reversed, "[DONE]"]).usage).totalTokens == 3)
    }
}
