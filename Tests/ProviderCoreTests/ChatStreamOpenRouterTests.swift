import Testing
@testable import ProviderCore

/// OpenRouter's stream: keep-alive comments, duplicated reasoning fields, its own cost, errors.
@Suite struct ChatStreamOpenRouterTests {
    @Test func aRecordedStreamGivesReasoningTextFinishUsageWithCostAndDone() {
        #expect(decode(Fixtures.openRouter) == Fixtures.openRouterEvents)
    }

    @Test func theProvidersCostWinsOverTheConfiguredPrice() throws {
        let prices = PriceTable(["deepseek/deepseek-r1": ModelPrice(promptPerMillion: 100, completionPerMillion: 100)])
        let events = decode(Fixtures.openRouter, configuration: ChatResponseConfiguration(prices: prices))
        #expect(try #require(events.usage).cost == 0.0000982)
    }

    @Test func keepAliveCommentsAloneProduceNothing() {
        var decoder = ChatStreamDecoder()
        #expect(decoder.feed(Array(": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n".utf8)).isEmpty)
        #expect(!decoder.isFinished)
    }

    @Test func aMidStreamErrorObjectEndsTheReplyAndDoneIsIgnored() throws {
        let events = decode(Fixtures.openRouterMidStreamError)
        #expect(events.count == 2)
        #expect(events.first == .textDelta("Hel"))
        let error = try #require(events.terminalError)
        #expect(error.code == "502")
        #expect(error.httpStatus == 502)
        #expect(error.retryable)
        #expect(error.message == "Provider returned error (provider: OpenAI): upstream connect error")
    }

    @Test func aNonRetryableCodeIsNotRetryable() throws {
        let payload = #"{"error":{"code":402,"message":"Insufficient credits"},"choices":[{"index":0,"delta":{},"finish_reason":"error"}]}"#
        let error = try #require(accumulate([payload]).terminalError)
        #expect(error.code == "402")
        #expect(!error.retryable)
    }

    @Test func usageSeenBeforeAnErrorIsReportedBeforeIt() {
        let usage = #"{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6,"cost":0.5}}"#
        let failure = #"{"error":{"code":"server_error","message":"boom"}}"#
        let events = accumulate([usage, failure])
        #expect(events == [
            .usage(TokenUsage(promptTokens: 5, completionTokens: 1, totalTokens: 6, cost: 0.5)),
            .error(ProviderError(code: "server_error", message: "boom", retryable: true)),
        ])
    }

    @Test func anErrorAttachedToTheChoiceIsReported() throws {
        let payload = #"{"choices":[{"index":0,"delta":{},"finish_reason":"error","error":{"code":429,"message":"Rate limited upstream"}}]}"#
        let error = try #require(accumulate([payload]).terminalError)
        #expect(error.code == "429")
        #expect(error.retryable)
    }
}
