/// Reads a whole (non-streaming) chat-completions response body into the same provider events a
/// stream produces, and reads error bodies of failed requests, streamed or not.
public enum ChatCompletionResponse {
    /// Turns a complete response into events, ending with exactly one terminal event.
    ///
    /// For a 2xx `chat.completion` body: `reasoningDelta` and `textDelta` (each whole, when
    /// present), every `toolCall` in order, `finish` when the choice has a `finish_reason`,
    /// `usage` (costed from `configuration.prices` when the provider sent no cost), then `done`.
    /// Any other status, an `error` object, `finish_reason` "error", a body that is not JSON
    /// (`malformed_response`) or one without choices (`empty_response`) gives `error` instead,
    /// after `usage` when the body reported usage.
    ///
    /// Thread-safe: a pure function.
    /// - Parameters:
    ///   - body: the response body as received.
    ///   - httpStatus: the response's HTTP status.
    ///   - configuration: the requested model and prices, for costing usage.
    public static func events(fromBody body: [UInt8], httpStatus: Int = 200,
                              configuration: ChatResponseConfiguration = ChatResponseConfiguration()) -> [ProviderEvent] {
        guard (200...299).contains(httpStatus) else {
            return [.error(error(fromBody: body, httpStatus: httpStatus))]
        }
        let response: ChatChunk
        do {
            response = try body.withUnsafeBytes { try ChatChunk.read($0) }
        } catch {
            return [.error(ProviderError(code: "malformed_response", message: "unreadable response (\(error)): \(snippet(body))",
                                         retryable: false))]
        }
        let usage = response.usage.map { configuration.usageEvent($0, responseModel: response.model) }
        /// Usage (billed even when the reply failed), then the error.
        func failure(_ error: ProviderError) -> [ProviderEvent] { [usage, .error(error)].compactMap { $0 } }
        if let wireError = response.error ?? response.choice?.error {
            return failure(wireError.providerError(httpStatus: nil))
        }
        guard let choice = response.choice else {
            return failure(ProviderError(code: "empty_response", message: "the response has no choices", retryable: true))
        }
        if choice.finishReason == "error" {
            return failure(ProviderError(code: "stream_error", message: "the provider ended the reply with finish_reason \"error\"",
                                         retryable: true))
        }
        var events: [ProviderEvent] = []
        if let reasoning = choice.delta.reasoningText { events.append(.reasoningDelta(reasoning)) }
        if let text = choice.delta.replyText { events.append(.textDelta(text)) }
        var toolCalls = ToolCallAssembler()
        for (position, call) in choice.delta.toolCalls.enumerated() {
            var whole = call
            whole.index = call.index ?? position  // whole calls: their position is their index
            toolCalls.add(whole)
        }
        events += toolCalls.drain().map(ProviderEvent.toolCall)
        if let reason = choice.finishReason, !reason.isEmpty { events.append(.finish(reason: reason)) }
        events += [usage, .done].compactMap { $0 }
        return events
    }

    /// The error a failed response's body describes: the provider's error object when there is
    /// one (any provider's form), else `http_<status>` (or `provider_error` without a status)
    /// with the start of the body as message.
    ///
    /// Thread-safe: a pure function.
    /// - Parameters:
    ///   - body: the response body as received (may be empty, HTML, or JSON).
    ///   - httpStatus: the response's HTTP status, or nil for an error reported inside a 2xx
    ///     stream; it decides `retryable` together with the code.
    public static func error(fromBody body: [UInt8], httpStatus: Int?) -> ProviderError {
        let parsed = try? body.withUnsafeBytes { try ChatChunk.read($0) }
        if let wireError = parsed?.error { return wireError.providerError(httpStatus: httpStatus) }
        let text = snippet(body)
        let summary = httpStatus.map { "HTTP \($0)" } ?? "the provider reported an error"
        let code = httpStatus.map { "http_\($0)" } ?? "provider_error"
        return ProviderError(code: code, message: summary + (text.isEmpty ? "" : ": \(text)"), httpStatus: httpStatus,
                             retryable: ProviderError.isRetryable(code: code, httpStatus: httpStatus))
    }

    private static func snippet(_ body: [UInt8]) -> String {
        body.withUnsafeBytes { String(decoding: $0.trimmingASCIIWhitespace().prefix(300), as: UTF8.self) }
    }
}
