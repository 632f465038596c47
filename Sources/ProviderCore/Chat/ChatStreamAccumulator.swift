/// Turns the `data` payloads of an OpenAI-compatible chat-completions stream into provider events.
///
/// A pure state machine: feed it each SSE event's data (`ChatStreamDecoder` does this for raw
/// bytes), and it returns events in reply order:
/// - `reasoningDelta` and `textDelta` as soon as a chunk carries them (`choices[0].delta`);
/// - each `toolCall` complete, in index order, when the choice's `finish_reason` arrives (or at
///   `[DONE]` or the end of the stream if the provider never sends one), never earlier;
/// - `finish` once, with the first non-empty `finish_reason`;
/// - `usage` once, just before the terminal event, from the last usage object seen (so providers
///   that repeat cumulative usage are not counted twice), costed by the configuration's prices
///   when the provider sent no cost;
/// - exactly one terminal event, `done` or `error`; after it, further input is ignored.
///
/// Errors are events, never thrown: a `{"error":{...}}` payload (any provider's form), a choice
/// with `finish_reason` "error", a payload that is not a JSON object (`malformed_chunk`), or a
/// stream that ends before any chunk (`empty_stream`) each end the reply with `error`. Tool calls
/// still pending then are dropped: they are incomplete and must not run.
///
/// - Important: Not thread-safe: use one accumulator per stream, from one thread at a time.
///   It is a value; copies are independent.
public struct ChatStreamAccumulator: Sendable {
    /// The requested model and prices used to cost usage.
    public let configuration: ChatResponseConfiguration
    /// True once the terminal event (`done` or `error`) has been returned.
    public private(set) var isFinished = false

    private var toolCalls = ToolCallAssembler()
    private var usage: WireUsage?
    private var responseModel: String?
    private var finishReported = false
    private var chunksReceived = 0

    /// An accumulator for one stream.
    public init(configuration: ChatResponseConfiguration = ChatResponseConfiguration()) {
        self.configuration = configuration
    }

    /// Consumes one SSE event's data and appends the resulting events to `events`.
    /// An empty payload (a keep-alive) produces nothing; `[DONE]` ends the reply with `done`; an
    /// error payload or unreadable JSON ends it with `error`. Does nothing after the terminal event.
    /// - Parameters:
    ///   - data: the event's data (a JSON chunk or `[DONE]`), borrowed for this call only.
    ///   - events: appended to, never cleared, so one array can be reused across chunks.
    public mutating func receive(data: UnsafeRawBufferPointer, into events: inout [ProviderEvent]) {
        guard !isFinished else { return }
        let payload = data.trimmingASCIIWhitespace()
        if payload.isEmpty { return }
        if payload.count == 6, payload.elementsEqual("[DONE]".utf8) { return complete(into: &events) }
        var chunk: ChatChunk
        do {
            chunk = try ChatChunk.read(payload, readsModel: responseModel == nil)
        } catch {
            let snippet = String(decoding: payload.prefix(160), as: UTF8.self)
            return fail(with: ProviderError(code: "malformed_chunk", message: "unreadable stream chunk (\(error)): \(snippet)",
                                            retryable: false), into: &events)
        }
        apply(&chunk, into: &events)
    }

    /// Consumes one SSE event's data and returns the resulting events; see `receive(data:into:)`.
    public mutating func receive(data: [UInt8]) -> [ProviderEvent] {
        var events: [ProviderEvent] = []
        data.withUnsafeBytes { receive(data: $0, into: &events) }
        return events
    }

    /// Ends the stream at a clean end of the response body. Without a preceding `[DONE]` this
    /// delivers pending tool calls, usage and `done`; if no chunk arrived at all it ends with the
    /// retryable error `empty_stream`. Does nothing after the terminal event.
    public mutating func finish(into events: inout [ProviderEvent]) {
        guard !isFinished else { return }
        if chunksReceived == 0 {
            return fail(with: ProviderError(code: "empty_stream", message: "the stream ended before any chunk arrived",
                                            retryable: true), into: &events)
        }
        complete(into: &events)
    }

    /// Ends the stream at a clean end of the response body; see `finish(into:)`.
    public mutating func finish() -> [ProviderEvent] {
        var events: [ProviderEvent] = []
        finish(into: &events)
        return events
    }

    /// Ends the reply with `error` (after the usage event, if usage is known), for failures found
    /// outside the payloads: transport errors, an oversized SSE event. Does nothing after the terminal event.
    public mutating func fail(with error: ProviderError, into events: inout [ProviderEvent]) {
        guard !isFinished else { return }
        if let usage { events.append(configuration.usageEvent(usage, responseModel: responseModel)) }
        events.append(.error(error))
        isFinished = true
    }

    /// Takes the chunk's parts rather than copying them (a copy of a choice retains every field).
    private mutating func apply(_ chunk: inout ChatChunk, into events: inout [ProviderEvent]) {
        chunksReceived += 1
        if let model = chunk.model.take() { responseModel = model }
        if let chunkUsage = chunk.usage { usage = chunkUsage }
        if let error = chunk.error ?? chunk.choice?.error {
            return fail(with: error.providerError(httpStatus: nil), into: &events)
        }
        guard let choice = chunk.choice.take() else { return }
        if let reasoning = choice.delta.reasoningText { events.append(.reasoningDelta(reasoning)) }
        if let text = choice.delta.replyText { events.append(.textDelta(text)) }
        for fragment in choice.delta.toolCalls { toolCalls.add(fragment) }
        guard let reason = choice.finishReason, !reason.isEmpty else { return }
        if reason == "error" {
            return fail(with: ProviderError(code: "stream_error", message: "the provider ended the reply with finish_reason \"error\"",
                                            retryable: true), into: &events)
        }
        events.append(contentsOf: toolCalls.drain().map(ProviderEvent.toolCall))
        if !finishReported {
            finishReported = true
            events.append(.finish(reason: reason))
        }
    }

    private mutating func complete(into events: inout [ProviderEvent]) {
        events.append(contentsOf: toolCalls.drain().map(ProviderEvent.toolCall))
        if let usage { events.append(configuration.usageEvent(usage, responseModel: responseModel)) }
        events.append(.done)
        isFinished = true
    }
}
