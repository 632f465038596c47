import JSONSupport

/// What one provider plugin knows about its service: defaults, key variables and quirks.
/// The OpenAI, OpenRouter and Groq plugins each pass one of these to `ProviderComponent`.
public struct ProviderProfile: Sendable {
    public let name: String
    public let defaultBaseURL: String
    public let apiKeyVariable: String
    public let baseURLVariable: String
    /// Adjusts the request body to the service's rules (renamed or rejected parameters).
    let adjustBody: @Sendable (inout [String: JSONValue]) -> Void
    /// Extra headers the service wants (attribution), from the settings.
    let extraHeaders: @Sendable (ProviderSettings) -> [(String, String)]

    /// OpenAI, and any OpenAI-compatible server through a base_url override (Ollama, llama.cpp, vLLM).
    /// Reasoning models (o1, o3, o4, gpt-5 families) take `max_completion_tokens` instead of
    /// `max_tokens` and reject sampling parameters.
    public static let openAI = ProviderProfile(
        name: "openai", defaultBaseURL: "https://api.openai.com/v1", apiKeyVariable: "OPENAI_API_KEY", baseURLVariable: "OPENAI_BASE_URL",
        adjustBody: { body in
            guard let model = body["model"]?.stringValue, isReasoningModel(model) else { return }
            if let limit = body.removeValue(forKey: "max_tokens"), body["max_completion_tokens"] == nil { body["max_completion_tokens"] = limit }
            for rejected in ["temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs"] { body[rejected] = nil }
        },
        extraHeaders: { _ in [] })

    /// OpenRouter: attribution headers, usage accounting (so it reports cost), and its own
    /// `reasoning` and `transforms` options, which pass through like any parameter.
    public static let openRouter = ProviderProfile(
        name: "openrouter", defaultBaseURL: "https://openrouter.ai/api/v1", apiKeyVariable: "OPENROUTER_API_KEY",
        baseURLVariable: "OPENROUTER_BASE_URL",
        adjustBody: { body in
            if body["usage"] == nil { body["usage"] = .object(["include": .bool(true)]) }
        },
        extraHeaders: { settings in
            [("HTTP-Referer", settings.httpReferer ?? "https://github.com/switchboard-chat/switchboard"),
             ("X-Title", settings.appTitle ?? "Switchboard")]
        })

    /// Groq: rejects `logprobs`, `logit_bias`, `top_logprobs`, `n` other than 1, and `name` on messages.
    public static let groq = ProviderProfile(
        name: "groq", defaultBaseURL: "https://api.groq.com/openai/v1", apiKeyVariable: "GROQ_API_KEY", baseURLVariable: "GROQ_BASE_URL",
        adjustBody: { body in
            for rejected in ["logprobs", "logit_bias", "top_logprobs", "n"] { body[rejected] = nil }
            if case .array(let messages)? = body["messages"] {
                body["messages"] = .array(messages.map { message in
                    guard case .object(var fields) = message else { return message }
                    fields["name"] = nil
                    return .object(fields)
                })
            }
        },
        extraHeaders: { _ in [] })

    static func isReasoningModel(_ model: String) -> Bool {
        let base = model.split(separator: "/").last.map(String.init) ?? model
        return ["o1", "o3", "o4", "gpt-5"].contains { base == $0 || base.hasPrefix($0 + "-") }
    }
}
