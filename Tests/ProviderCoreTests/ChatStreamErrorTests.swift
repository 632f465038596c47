import Testing
@testable import ProviderCore

/// Failures are events, never skipped, and a reply has exactly one terminal event.
@Suite struct ChatStreamErrorTests {
    @Test(arguments: [#"{"choices":[{"delta":{"content":"cut"#, "not json", #"{"a":1}}"#, "[1,2]", #""just a string""#, "42"])
    func aPayloadThatIsNotAJSONObjectIsAMalformedChunkError(payload: String) throws {
        let events = accumulate([chunk(delta: #"{"content":"ok"}"#), payload, chunk(delta: #"{"content":"late"}"#), "[DONE]"])
        #expect(events.count == 2)
        #expect(events.first == .textDelta("ok"))
        let error = try #require(events.terminalError)
        #expect(error.code == "malformed_chunk")
        #expect(error.message.contains(String(payload.prefix(8))))
        #expect(!error.retryable)
    }

    @Test func vLLMsTopLevelErrorFormIsRecognised() throws {
        let payload = #"{"object":"error","message":"This model's maximum context length is 4096 tokens.","type":"BadRequestError","param":null,"code":400}"#
        let error = try #require(accumulate([payload]).terminalError)
        #expect(error.code == "400")
        #expect(error.httpStatus == 400)
        #expect(error.message.hasPrefix("This model's maximum context length"))
        #expect(!error.retryable)
    }

    @Test func aFinishReasonErrorWithoutAnErrorObjectIsStillAnError() throws {
        let error = try #require(accumulate([chunk(delta: #"{"content":"a"}"#, finishReason: "error"), "[DONE]"]).terminalError)
        #expect(error.code == "stream_error")
        #expect(error.retryable)
    }

    @Test func afterDoneFurtherInputIsIgnored() {
        var accumulator = ChatStreamAccumulator()
        #expect(accumulator.receive(data: Array("[DONE]".utf8)) == [.done])
        #expect(accumulator.isFinished)
        #expect(accumulator.receive(data: Array(chunk(delta: #"{"content":"late"}"#).utf8)).isEmpty)
        #expect(accumulator.receive(data: Array("[DONE]".utf8)).isEmpty)
        #expect(accumulator.finish().isEmpty)
        var events: [ProviderEvent] = []
        accumulator.fail(with: ProviderError(code: "io", message: "reset", retryable: true), into: &events)
        #expect(events.isEmpty)
    }

    @Test func afterAnErrorFurtherInputIsIgnored() {
        var accumulator = ChatStreamAccumulator()
        #expect(accumulator.receive(data: Array("{".utf8)).count == 1)
        #expect(accumulator.receive(data: Array("[DONE]".utf8)).isEmpty)
        #expect(accumulator.finish().isEmpty)
    }

    @Test func aStreamThatEndsBeforeAnyChunkIsARetryableError() throws {
        let error = try #require(decode("").terminalError)
        #expect(error.code == "empty_stream")
        #expect(error.retryable)
        #expect(decode(": OPENROUTER PROCESSING\n\n").terminalError?.code == "empty_stream")
    }

    @Test func emptyDataPayloadsAreKeepAlivesNotErrors() {
        #expect(decode("data:\n\ndata: \n\n" + sseBody([chunk(delta: #"{"content":"x"}"#), "[DONE]"])) == [.textDelta("x"), .done])
    }

    @Test func doneMayCarrySurroundingWhitespace() {
        #expect(accumulate([chunk(delta: #"{"content":"x"}"#), " [DONE] \r"]) == [.textDelta("x"), .done])
    }

    @Test func aTransportFailureEndsTheReplyOnceAfterTheUsageSoFar() {
        var decoder = ChatStreamDecoder()
        let usage = #"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}"#
        var events = decoder.feed(Array(sseBody([chunk(delta: #"{"content":"partial"}"#), usage]).utf8))
        let reset = ProviderError(code: "connection_reset", message: "the connection was reset", retryable: true)
        decoder.fail(with: reset, into: &events)
        decoder.fail(with: reset, into: &events)
        events += decoder.finish()
        #expect(events == [
            .textDelta("partial"),
            .usage(TokenUsage(promptTokens: 3, completionTokens: 4, totalTokens: 7)),
            .error(reset),
        ])
    }

    @Test func anSSEErrorEventEndsTheReplyWithTheErrorItDescribes() throws {
        let body = "event: error\ndata: {\"error\":{\"message\":\"Overloaded\",\"type\":\"overloaded_error\"}}\n\n"
        let error = try #require(decode(body).terminalError)
        #expect(error.code == "overloaded_error")
        #expect(error.retryable)
        let plain = try #require(decode("event: error\ndata: something broke\n\n").terminalError)
        #expect(plain.code == "provider_error")
        #expect(plain.message.contains("something broke"))
    }

    @Test func anOversizedEventEndsTheReplyWithEventTooLarge() throws {
        let configuration = SSEParser.Configuration(maximumEventSize: 64)
        var decoder = ChatStreamDecoder(sseConfiguration: configuration)
        var events = decoder.feed(Array(sseBody([chunk(delta: #"{"content":"\#(String(repeating: "x", count: 100))"}"#)]).utf8))
        events += decoder.finish()
        let error = try #require(events.terminalError)
        #expect(events.count == 1)
        #expect(error.code == "event_too_large")
        #expect(!error.retryable)
    }
}
