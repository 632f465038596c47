/// One event of a provider's reply, mirroring the ABI's `SB_EVENT_*` kinds (`switchboard.h`).
///
/// A reply is any number of non-terminal events followed by exactly one terminal event:
/// `done` (`SB_EVENT_DONE`) or `error` (`SB_EVENT_ERROR`). `ChatStreamAccumulator`,
/// `ChatStreamDecoder` and `ChatCompletionResponse` all keep that rule.
public enum ProviderEvent: Equatable, Sendable {
    /// The next piece of the reply (`SB_EVENT_TEXT_DELTA`).
    case textDelta(String)
    /// The next piece of the model's reasoning (`SB_EVENT_REASONING_DELTA`).
    case reasoningDelta(String)
    /// One complete tool call (`SB_EVENT_TOOL_CALL`), never a fragment.
    case toolCall(ToolCall)
    /// Token counts and cost (`SB_EVENT_USAGE`), at most once per reply, just before `done`
    /// (or before `error`, when the provider had reported usage by then).
    case usage(TokenUsage)
    /// Why the model stopped (`SB_EVENT_FINISH`): "stop", "length", "tool_calls", ...; at most once.
    case finish(reason: String)
    /// Terminal failure (`SB_EVENT_ERROR`).
    case error(ProviderError)
    /// Terminal success (`SB_EVENT_DONE`).
    case done

    /// True for `done` and `error`, the events that end a reply.
    public var isTerminal: Bool {
        switch self {
        case .done, .error: true
        default: false
        }
    }
}
