import ProviderCore

/// Streams in the exact shape each provider sends (ids, fields and framing as recorded from the
/// APIs; content shortened). Multi-line literals use LF line endings.
enum Fixtures {
    /// OpenAI chat completions, `stream_options.include_usage`: a role chunk, content, the finish
    /// chunk, then usage in a chunk with empty `choices`.
    static let openAI = #"""
    data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}

    data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"content":"The"},"logprobs":null,"finish_reason":null}],"usage":null}

    data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"content":" answer"},"logprobs":null,"finish_reason":null}],"usage":null}

    data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"content":" is \"42\"."},"logprobs":null,"finish_reason":null}],"usage":null}

    data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}

    data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}

    data: [DONE]


    """#

    static let openAIEvents: [ProviderEvent] = [
        .textDelta("The"), .textDelta(" answer"), .textDelta(" is \"42\"."), .finish(reason: "stop"),
        .usage(TokenUsage(promptTokens: 19, completionTokens: 10, totalTokens: 29, cachedTokens: 0)), .done,
    ]

    /// OpenAI's mid-stream failure: a data line with only an error object, then the stream closes.
    static let openAIServerError = #"""
    data: {"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"content":"The"},"logprobs":null,"finish_reason":null}],"usage":null}

    data: {"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error"}}


    """#

    /// OpenRouter with a reasoning model: keep-alive comments, reasoning sent twice per delta
    /// (`reasoning` and `reasoning_details`), non-ASCII text, and usage accounting with `cost`.
    static let openRouter = #"""
    : OPENROUTER PROCESSING

    : OPENROUTER PROCESSING

    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"The user","reasoning_details":[{"type":"reasoning.text","text":"The user","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":" greets in French, é 😀.","reasoning_details":[{"type":"reasoning.text","text":" greets in French, é 😀.","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":"Bonjour"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

    : OPENROUTER PROCESSING

    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":" ! 👋\n"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]}

    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"usage":{"prompt_tokens":12,"completion_tokens":40,"total_tokens":52,"cost":0.0000982,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0},"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0.0000084,"upstream_inference_completions_cost":0.0000898},"completion_tokens_details":{"reasoning_tokens":31,"image_tokens":0}}}

    data: [DONE]


    """#

    static let openRouterEvents: [ProviderEvent] = [
        .reasoningDelta("The user"), .reasoningDelta(" greets in French, é 😀."), .textDelta("Bonjour"),
        .textDelta(" ! 👋\n"), .finish(reason: "stop"),
        .usage(TokenUsage(promptTokens: 12, completionTokens: 40, totalTokens: 52, cachedTokens: 0, cost: 0.0000982)), .done,
    ]

    /// OpenRouter's mid-stream failure: an error object with a numeric code, and the choice ended
    /// with `finish_reason` "error".
    static let openRouterMidStreamError = #"""
    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

    : OPENROUTER PROCESSING

    data: {"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1764926476,"error":{"code":502,"message":"Provider returned error","metadata":{"provider_name":"OpenAI","raw":"upstream connect error"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error","native_finish_reason":"error"}]}

    data: [DONE]


    """#

    /// Groq: usage arrives in `x_groq.usage` on the finish chunk.
    static let groq = #"""
    data: {"id":"chatcmpl-e7f8e220-656c-4455-a132-dacfc1370798","object":"chat.completion.chunk","created":1729171479,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_10c08bf97d","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01jadadp0femyae9kav1gpkhe8"}}

    data: {"id":"chatcmpl-e7f8e220-656c-4455-a132-dacfc1370798","object":"chat.completion.chunk","created":1729171479,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_10c08bf97d","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]}

    data: {"id":"chatcmpl-e7f8e220-656c-4455-a132-dacfc1370798","object":"chat.completion.chunk","created":1729171479,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_10c08bf97d","choices":[{"index":0,"delta":{"content":" there"},"logprobs":null,"finish_reason":null}]}

    data: {"id":"chatcmpl-e7f8e220-656c-4455-a132-dacfc1370798","object":"chat.completion.chunk","created":1729171479,"model":"llama-3.3-70b-versatile","system_fingerprint":"fp_10c08bf97d","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_01jadadp0femyae9kav1gpkhe8","usage":{"queue_time":0.061348671,"prompt_tokens":18,"prompt_time":0.000211569,"completion_tokens":439,"completion_time":0.798181818,"total_tokens":457,"total_time":0.798393387}}}

    data: [DONE]


    """#

    /// Groq with a tool call: the whole call in one chunk, then `finish_reason` "tool_calls".
    static let groqToolCall = #"""
    data: {"id":"chatcmpl-4f2b","object":"chat.completion.chunk","created":1729171480,"model":"openai/gpt-oss-20b","system_fingerprint":"fp_179b0f92c9","choices":[{"index":0,"delta":{"role":"assistant","reasoning":"Need the weather tool."},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01jbd6g2qdfw2adyrt2az8hz4w"}}

    data: {"id":"chatcmpl-4f2b","object":"chat.completion.chunk","created":1729171480,"model":"openai/gpt-oss-20b","system_fingerprint":"fp_179b0f92c9","choices":[{"index":0,"delta":{"tool_calls":[{"id":"fc_3a7d","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"},"index":0}]},"logprobs":null,"finish_reason":null}]}

    data: {"id":"chatcmpl-4f2b","object":"chat.completion.chunk","created":1729171480,"model":"openai/gpt-oss-20b","system_fingerprint":"fp_179b0f92c9","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"x_groq":{"id":"req_01jbd6g2qdfw2adyrt2az8hz4w","usage":{"queue_time":0.037,"prompt_tokens":140,"prompt_time":0.0007,"completion_tokens":25,"completion_time":0.046,"total_tokens":165,"total_time":0.047}}}

    data: [DONE]


    """#
}
