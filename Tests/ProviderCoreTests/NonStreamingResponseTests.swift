import Testing
@testable import ProviderCore

/// Whole (non-streaming) responses and error bodies give the same events as streams.
@Suite struct NonStreamingResponseTests {
    private func events(_ body: String, status: Int = 200,
                        configuration: ChatResponseConfiguration = ChatResponseConfiguration()) -> [ProviderEvent] {
        ChatCompletionResponse.events(fromBody: Array(body.utf8), httpStatus: status, configuration: configuration)
    }

    @Test func anOpenAICompletionWithToolCalls() {
        let body = #"""
        {"id":"chatcmpl-C2a","object":"chat.completion","created":1753357700,"model":"gpt-4.1-2025-04-14",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"annotations":[],
           "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                         {"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
           "logprobs":null,"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":82,"completion_tokens":40,"total_tokens":122,"prompt_tokens_details":{"cached_tokens":64}},
         "service_tier":"default","system_fingerprint":"fp_51e1070cf2"}
        """#
        #expect(events(body) == [
            .toolCall(ToolCall(index: 0, id: "call_1", name: "get_weather", argumentsJSON: #"{"city":"Paris"}"#)),
            .toolCall(ToolCall(index: 1, id: "call_2", name: "get_time", argumentsJSON: "{}")),
            .finish(reason: "tool_calls"),
            .usage(TokenUsage(promptTokens: 82, completionTokens: 40, totalTokens: 122, cachedTokens: 64)), .done,
        ])
    }

    @Test func anOpenRouterCompletionWithReasoningAndCost() {
        let body = #"""
        {"id":"gen-1764926476","provider":"OpenAI","model":"openai/o4-mini","object":"chat.completion","created":1764926476,
         "choices":[{"logprobs":null,"finish_reason":"stop","native_finish_reason":"stop","index":0,
           "message":{"role":"assistant","content":"Paris.","refusal":null,"reasoning":"Capital of France.",
             "reasoning_details":[{"type":"reasoning.summary","summary":"Capital of France."}]}}],
         "usage":{"prompt_tokens":29,"completion_tokens":33,"total_tokens":62,"cost":0.00002415,"is_byok":false,
           "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":20}}}
        """#
        #expect(events(body) == [
            .reasoningDelta("Capital of France."), .textDelta("Paris."), .finish(reason: "stop"),
            .usage(TokenUsage(promptTokens: 29, completionTokens: 33, totalTokens: 62, cachedTokens: 0, cost: 0.00002415)), .done,
        ])
    }

    @Test func aGroqCompletionIsPricedFromTheTable() throws {
        let body = #"""
        {"id":"chatcmpl-groq","object":"chat.completion","created":7,"model":"openai/gpt-oss-20b",
         "choices":[{"index":0,"logprobs":null,"finish_reason":"stop","message":{"role":"assistant","content":"ok","reasoning":"short"}}],
         "usage":{"queue_time":0.037,"prompt_tokens":18,"prompt_time":0.0007,"completion_tokens":5,"completion_time":0.46,"total_tokens":23,"total_time":0.46},
         "system_fingerprint":"fp_179b0f92c9","x_groq":{"id":"req_01jbd6g2qdfw2adyrt2az8hz4w"},"service_tier":"on_demand","usage_breakdown":null}
        """#
        let prices = PriceTable(["openai/gpt-oss-20b": ModelPrice(promptPerMillion: 0.1, completionPerMillion: 0.5)])
        let result = events(body, configuration: ChatResponseConfiguration(prices: prices))
        #expect(Array(result.prefix(3)) == [.reasoningDelta("short"), .textDelta("ok"), .finish(reason: "stop")])
        #expect(try #require(result.usage).cost == (18 * 0.1 + 5 * 0.5) / 1_000_000)
        #expect(result.last == .done)
    }

    @Test func argumentsSentAsAnObjectAreKeptAsJSONText() {
        let body = #"{"choices":[{"index":0,"finish_reason":"tool_calls","message":{"tool_calls":[{"id":"c","function":{"name":"f","arguments":{"a":[1,2]}}}]}}]}"#
        #expect(events(body).toolCalls == [ToolCall(index: 0, id: "c", name: "f", argumentsJSON: #"{"a":[1,2]}"#)])
    }

    @Test func anOpenRouterErrorBodyKeepsItsStatusAndIsNotRetryableFor402() {
        let result = events(#"{"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/credits"}}"#, status: 402)
        #expect(result == [.error(ProviderError(code: "402", message: "Insufficient credits. Add more using https://openrouter.ai/credits",
                                                 httpStatus: 402, retryable: false))])
    }

    @Test func anOpenAIRateLimitBodyIsRetryable() throws {
        let body = #"{"error":{"message":"Rate limit reached for gpt-4.1","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
        let error = try #require(events(body, status: 429).terminalError)
        #expect(error.code == "rate_limit_exceeded")
        #expect(error.httpStatus == 429)
        #expect(error.retryable)
    }

    @Test func anHTMLGatewayErrorBecomesAnHTTPError() throws {
        let error = try #require(events("<html><body>502 Bad Gateway</body></html>\n", status: 502).terminalError)
        #expect(error == ProviderError(code: "http_502", message: "HTTP 502: <html><body>502 Bad Gateway</body></html>",
                                       httpStatus: 502, retryable: true))
        let empty = try #require(events("", status: 401).terminalError)
        #expect(empty == ProviderError(code: "http_401", message: "HTTP 401", httpStatus: 401, retryable: false))
    }

    @Test func anUnreadableSuccessfulBodyIsMalformed() {
        #expect(events("{\"choices\": [").terminalError?.code == "malformed_response")
    }

    @Test func aSuccessfulBodyWithoutChoicesIsAnEmptyResponse() {
        let result = events(#"{"id":"x","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":0,"total_tokens":4}}"#)
        #expect(result.count == 2)
        #expect(result.usage?.promptTokens == 4)
        #expect(result.terminalError?.code == "empty_response")
    }

    @Test func anErrorInsideASuccessfulBodyIsAnError() {
        let result = events(#"{"error":{"code":"server_error","message":"boom"}}"#)
        #expect(result == [.error(ProviderError(code: "server_error", message: "boom", retryable: true))])
    }
}
