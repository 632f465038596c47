import Testing
@testable import ProviderCore

/// OpenAI's chat-completions stream, end to end from body bytes.
@Suite struct ChatStreamOpenAITests {
    @Test func aRecordedStreamGivesTextFinishUsageAndDone() {
        #expect(decode(Fixtures.openAI) == Fixtures.openAIEvents)
    }

    @Test func theEmptyContentOfTheRoleChunkProducesNoEvent() {
        let events = accumulate([chunk(delta: #"{"role":"assistant","content":"","refusal":null}"#), "[DONE]"])
        #expect(events == [.done])
    }

    @Test func usageWithoutCostIsPricedFromTheRequestedModelWhenTheSnapshotHasNoPrice() throws {
        let prices = PriceTable(["gpt-4.1": ModelPrice(promptPerMillion: 2, completionPerMillion: 8)])
        let events = decode(Fixtures.openAI, configuration: ChatResponseConfiguration(requestedModel: "gpt-4.1", prices: prices))
        let usage = try #require(events.usage)
        #expect(usage.cost == Double(19 * 2 + 10 * 8) / 1_000_000)
    }

    @Test func theSnapshotsOwnPriceWinsOverTheRequestedModels() throws {
        let prices = PriceTable([
            "gpt-4.1": ModelPrice(promptPerMillion: 2, completionPerMillion: 8),
            "gpt-4.1-2025-04-14": ModelPrice(promptPerMillion: 1, completionPerMillion: 1),
        ])
        let events = decode(Fixtures.openAI, configuration: ChatResponseConfiguration(requestedModel: "gpt-4.1", prices: prices))
        #expect(try #require(events.usage).cost == 29.0 / 1_000_000)
    }

    @Test func aMidStreamServerErrorEndsTheReplyWithARetryableError() throws {
        let events = decode(Fixtures.openAIServerError)
        #expect(events.count == 2)
        #expect(events.first == .textDelta("The"))
        let error = try #require(events.terminalError)
        #expect(error.code == "server_error")
        #expect(error.message.hasPrefix("The server had an error"))
        #expect(error.retryable)
        #expect(error.httpStatus == nil)
    }

    @Test func aRefusalIsDeliveredAsReplyText() {
        let events = accumulate([chunk(delta: #"{"content":null,"refusal":"I can't help with that."}"#), "[DONE]"])
        #expect(events == [.textDelta("I can't help with that."), .done])
    }

    @Test func onlyTheFirstChoiceIsFollowed() {
        let twoChoices = #"{"choices":[{"index":1,"delta":{"content":"other"},"finish_reason":null},"#
            + #"{"index":0,"delta":{"content":"mine"},"finish_reason":null}]}"#
        #expect(accumulate([twoChoices, "[DONE]"]) == [.textDelta("mine"), .done])
    }

    @Test func aStreamWithoutDoneEndsAtTheEndOfTheBody() {
        let body = sseBody([chunk(delta: #"{"content":"Hi"}"#), chunk(finishReason: "length")])
        #expect(decode(body) == [.textDelta("Hi"), .finish(reason: "length"), .done])
    }

    @Test func anEmptyFinishReasonIsNotAFinish() {
        #expect(accumulate([chunk(delta: #"{"content":"a"}"#, finishReason: ""), "[DONE]"]) == [.textDelta("a"), .done])
    }

    @Test func onlyTheFirstFinishReasonIsReported() {
        let events = accumulate([chunk(finishReason: "stop"), chunk(finishReason: "stop"), "[DONE]"])
        #expect(events == [.finish(reason: "stop"), .done])
    }

    @Test func contentSentAsAnArrayOfPartsIsJoined() {
        let parts = #"{"content":[{"type":"text","text":"Hello"},{"type":"image_url","text":"no"},{"text":" world"}]}"#
        #expect(accumulate([chunk(delta: parts), "[DONE]"]) == [.textDelta("Hello world"), .done])
    }
}
