/// Turns the raw body bytes of a streamed (`text/event-stream`) chat-completions response into
/// provider events: an `SSEParser` feeding a `ChatStreamAccumulator`. This is what a provider
/// plugin's transfer callback calls for each network chunk of a 2xx streamed response; for any
/// other status, collect the body and use `ChatCompletionResponse.error(fromBody:httpStatus:)`.
///
/// Events follow `ChatStreamAccumulator`'s rules, ending with exactly one terminal event. SSE
/// comments (keep-alives such as `: OPENROUTER PROCESSING`) produce nothing. An event of type
/// `error` ends the reply with the error its data describes. An SSE event over the size bound
/// ends it with the error `event_too_large`.
///
/// - Important: Not thread-safe: use one decoder per stream, from one thread at a time.
///   It is a value; copies are independent.
public struct ChatStreamDecoder: Sendable {
    private var parser: SSEParser
    /// Holds the accumulator; the parser hands it each event's data in place (no copy).
    private var sink: AccumulatorSink

    /// A decoder for one streamed response.
    /// - Parameters:
    ///   - configuration: the requested model and prices, for costing usage.
    ///   - sseConfiguration: the SSE parser's bounds and end-of-stream rule.
    public init(configuration: ChatResponseConfiguration = ChatResponseConfiguration(),
                sseConfiguration: SSEParser.Configuration = SSEParser.Configuration()) {
        parser = SSEParser(configuration: sseConfiguration)
        sink = AccumulatorSink(accumulator: ChatStreamAccumulator(configuration: configuration))
    }

    /// True once the terminal event has been produced; later input is ignored.
    public var isFinished: Bool { sink.accumulator.isFinished }

    /// Decodes the next network chunk of the body and appends the events it completes to `events`.
    /// - Parameters:
    ///   - chunk: body bytes as received, split anywhere; borrowed for this call only.
    ///   - events: appended to, never cleared, so one array can be reused across chunks.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into events: inout [ProviderEvent]) {
        guard !isFinished else { return }
        swap(&sink.events, &events)
        parser.feed(chunk, to: &sink)
        swap(&sink.events, &events)
    }

    /// Decodes the next network chunk of the body and returns the events it completes.
    public mutating func feed(_ chunk: [UInt8]) -> [ProviderEvent] {
        var events: [ProviderEvent] = []
        chunk.withUnsafeBytes { feed($0, into: &events) }
        return events
    }

    /// Ends the stream at a clean end of the body (see `SSEParser.finish` and
    /// `ChatStreamAccumulator.finish`), appending the remaining events and the terminal one.
    public mutating func finish(into events: inout [ProviderEvent]) {
        guard !isFinished else { return }
        swap(&sink.events, &events)
        parser.finish(to: &sink)
        sink.accumulator.finish(into: &sink.events)
        swap(&sink.events, &events)
    }

    /// Ends the stream at a clean end of the body and returns the remaining events.
    public mutating func finish() -> [ProviderEvent] {
        var events: [ProviderEvent] = []
        finish(into: &events)
        return events
    }

    /// Ends the reply with `error` for a failure outside the body (a transport error, a
    /// timeout); see `ChatStreamAccumulator.fail(with:into:)`.
    public mutating func fail(with error: ProviderError, into events: inout [ProviderEvent]) {
        sink.accumulator.fail(with: error, into: &events)
    }
}

/// Feeds each parsed SSE event to the accumulator. `events` is the caller's array, swapped in
/// for the duration of one `feed` or `finish`.
private struct AccumulatorSink: SSEOutputSink {
    var accumulator: ChatStreamAccumulator
    var events: [ProviderEvent] = []

    mutating func receiveEvent(type: String, data: inout [UInt8], lastEventID: String) {
        if type == "error" {
            accumulator.fail(with: ChatCompletionResponse.error(fromBody: data, httpStatus: nil), into: &events)
        } else {
            data.withUnsafeBytes { accumulator.receive(data: $0, into: &events) }
        }
    }

    mutating func receive(_ output: SSEParser.Output) {
        guard case .failure(let failure) = output else { return }  // comments (keep-alives) produce nothing
        accumulator.fail(with: ProviderError(code: failure.code.rawValue, message: failure.message, retryable: false), into: &events)
    }
}
