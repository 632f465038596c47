@testable import ProviderCore

/// SplitMix64: a tiny seeded generator, so "random" splits are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Cuts `bytes` at the given offsets (sorted, inside the array) into consecutive chunks.
func split(_ bytes: [UInt8], at offsets: [Int]) -> [[UInt8]] {
    var chunks: [[UInt8]] = []
    var start = 0
    for offset in offsets.sorted() where offset > start && offset < bytes.count {
        chunks.append(Array(bytes[start..<offset]))
        start = offset
    }
    chunks.append(Array(bytes[start...]))
    return chunks
}

/// Cuts `bytes` into chunks of random sizes between 1 and `maximumChunk`.
func randomSplit(_ bytes: [UInt8], maximumChunk: Int, using generator: inout SeededGenerator) -> [[UInt8]] {
    var offsets: [Int] = []
    var offset = 0
    while offset < bytes.count {
        offset += Int.random(in: 1...maximumChunk, using: &generator)
        offsets.append(offset)
    }
    return split(bytes, at: offsets)
}

/// Everything an SSE parser outputs for `chunks`, fed in order, then `finish()`.
func parse(_ chunks: [[UInt8]], configuration: SSEParser.Configuration = SSEParser.Configuration()) -> [SSEParser.Output] {
    var parser = SSEParser(configuration: configuration)
    var outputs = chunks.flatMap { parser.feed($0) }
    outputs += parser.finish()
    return outputs
}

func parse(_ text: String, configuration: SSEParser.Configuration = SSEParser.Configuration()) -> [SSEParser.Output] {
    parse([Array(text.utf8)], configuration: configuration)
}

/// Only the dispatched events of `outputs`.
func events(_ outputs: [SSEParser.Output]) -> [SSEEvent] {
    outputs.compactMap { if case .event(let event) = $0 { event } else { nil } }
}

/// The provider events a streamed body gives, fed to a `ChatStreamDecoder` in `chunks`, then finished.
func decode(_ chunks: [[UInt8]], configuration: ChatResponseConfiguration = ChatResponseConfiguration()) -> [ProviderEvent] {
    var decoder = ChatStreamDecoder(configuration: configuration)
    var events = chunks.flatMap { decoder.feed($0) }
    events += decoder.finish()
    return events
}

func decode(_ stream: String, configuration: ChatResponseConfiguration = ChatResponseConfiguration()) -> [ProviderEvent] {
    decode([Array(stream.utf8)], configuration: configuration)
}

/// The provider events for a list of SSE data payloads given straight to an accumulator, then finished.
func accumulate(_ payloads: [String], configuration: ChatResponseConfiguration = ChatResponseConfiguration()) -> [ProviderEvent] {
    var accumulator = ChatStreamAccumulator(configuration: configuration)
    var events = payloads.flatMap { accumulator.receive(data: Array($0.utf8)) }
    events += accumulator.finish()
    return events
}

/// An SSE body whose events carry `payloads`, in the `data: ...\n\n` framing providers use.
func sseBody(_ payloads: [String]) -> String {
    payloads.map { "data: \($0)\n\n" }.joined()
}

/// A chat-completions chunk with one choice, as OpenAI frames it.
func chunk(delta: String = "{}", finishReason: String? = nil, extra: String = "") -> String {
    let reason = finishReason.map { "\"\($0)\"" } ?? "null"
    return #"{"id":"chatcmpl-test","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","#
        + #""choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(reason)}]\#(extra)}"#
}

extension [ProviderEvent] {
    /// The error of the terminal event, if it is one.
    var terminalError: ProviderError? {
        if case .error(let error) = last { error } else { nil }
    }

    var usage: TokenUsage? {
        for case .usage(let usage) in self { return usage }
        return nil
    }

    var toolCalls: [ToolCall] {
        compactMap { if case .toolCall(let call) = $0 { call } else { nil } }
    }
}
