// ProviderCoreBench: ProviderCore's per-chunk figures (`swift build -c release`, then run
// .build/release/ProviderCoreBench [1|2|3|4] to run all sections or one, e.g. under `perf record`).
// Each figure is the best of 7 runs (a shared, noisy machine).
//   1. ChatStreamAccumulator per chunk, for typical chunk shapes.
//   2. The same content chunk through Foundation: JSONDecoder with small Decodable structs, and
//      JSONSerialization; why ProviderCore reads JSON with its own JSONReader instead.
//   3. SSEParser per KB of stream, at several network chunk sizes; ChatStreamDecoder per event.
//   4. ChatStreamDecoder fed one small event per call, as ProviderBench's mock streams them.
import Foundation
import ProviderCore

func nanoseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
}

/// Best of `rounds` runs of `iterations` calls of `body`, in ns per call.
func measure(rounds: Int = 7, iterations: Int, _ body: () -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        for _ in 0..<iterations { body() }
        best = min(best, nanoseconds(ContinuousClock.now - start) / Double(iterations))
    }
    return best
}

func report(_ label: String, _ value: Double, _ unit: String = "ns/chunk") {
    let padded = label.padding(toLength: 56, withPad: " ", startingAt: 0)
    print("   \(padded)" + String(format: "%7.0f ", value) + unit)
}

var events: [ProviderEvent] = []
let selected = CommandLine.arguments.dropFirst().first
func runs(_ section: String) -> Bool { selected == nil || selected == section }

// MARK: 1. ChatStreamAccumulator per chunk

let contentChunk = #"{"id":"chatcmpl-BwoiPTGRbKkY5rncfaM0s9KtWrq5N","object":"chat.completion.chunk","created":1753357673,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_51e1070cf2","choices":[{"index":0,"delta":{"content":" question"},"logprobs":null,"finish_reason":null}],"usage":null}"#
let reasoningChunk = #"{"id":"gen-1764926476-0N0195qHFzGljvYKVijc","provider":"DeepInfra","model":"deepseek/deepseek-r1","object":"chat.completion.chunk","created":1764926476,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":" the user wants","reasoning_details":[{"type":"reasoning.text","text":" the user wants","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}"#
let toolFragmentChunk = #"{"id":"chatcmpl-C1x","object":"chat.completion.chunk","created":1753357680,"model":"gpt-4.1-2025-04-14","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"location\": \"Par"}}]},"logprobs":null,"finish_reason":null}]}"#
let usageChunk = #"{"id":"gen-1764926476","provider":"OpenAI","model":"openai/gpt-4o-mini","object":"chat.completion.chunk","created":1764926476,"choices":[],"usage":{"prompt_tokens":29,"completion_tokens":33,"total_tokens":62,"cost":0.00002415,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"cost_details":{"upstream_inference_cost":null},"completion_tokens_details":{"reasoning_tokens":0,"image_tokens":0}}}"#

print("ProviderCoreBench: \(ProcessInfo.processInfo.activeProcessorCount) cores")
if runs("1") {
print("\n1. ChatStreamAccumulator.receive(data:into:), best of 7 runs of 200k chunks")
var accumulator = ChatStreamAccumulator()
for (label, chunk) in [("content chunk (OpenAI)", contentChunk), ("reasoning chunk (OpenRouter)", reasoningChunk),
                       ("tool-call fragment (OpenAI)", toolFragmentChunk), ("usage chunk with cost (OpenRouter)", usageChunk)] {
    let bytes = Array(chunk.utf8)
    var count = 0
    let perChunk = bytes.withUnsafeBytes { raw in
        measure(iterations: 200_000) {
            count += 1
            if count % 64 == 0 { accumulator = ChatStreamAccumulator() }  // a reply's worth of tool-call fragments
            events.removeAll(keepingCapacity: true)
            accumulator.receive(data: raw, into: &events)
        }
    }
    report("\(label), \(bytes.count) B", perChunk)
}
// The usage chunk only records usage; [DONE] must now report it, or the benchmark measured nothing.
precondition(accumulator.receive(data: Array("[DONE]".utf8)).contains { if case .usage = $0 { true } else { false } })

}

// MARK: 2. Foundation alternatives for the same content chunk

struct Chunk: Decodable {
    struct Choice: Decodable { var index: Int?; var delta: Delta?; var finish_reason: String? }
    struct Delta: Decodable {
        var content: String?, reasoning: String?, reasoning_content: String?, thinking: String?
        var tool_calls: [ToolCallDelta]?
    }
    struct ToolCallDelta: Decodable {
        struct Function: Decodable { var name: String?; var arguments: String? }
        var index: Int?; var id: String?; var function: Function?
    }
    struct Usage: Decodable { var prompt_tokens: Int?; var completion_tokens: Int?; var total_tokens: Int?; var cost: Double? }
    struct ErrorObject: Decodable { var message: String? }
    var model: String?; var choices: [Choice]?; var usage: Usage?; var error: ErrorObject?
}

if runs("2") {
print("\n2. The content chunk through Foundation (parse only; the accumulator's work excluded)")
let contentBytes = Array(contentChunk.utf8)
let decoder = JSONDecoder()
var sink = 0
let decoderCost = measure(iterations: 50_000) {
    let chunk = try? decoder.decode(Chunk.self, from: Data(contentBytes))
    sink &+= chunk?.choices?.first?.delta?.content?.utf8.count ?? 0
}
let serializationCost = measure(iterations: 50_000) {
    let object = (try? JSONSerialization.jsonObject(with: Data(contentBytes))) as? [String: Any]
    let delta = (object?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
    sink &+= (delta?["content"] as? String)?.utf8.count ?? 0
}
report("JSONDecoder + Decodable structs", decoderCost)
report("JSONSerialization + [String: Any]", serializationCost)
precondition(sink > 0)
}

// MARK: 3. SSEParser per KB, ChatStreamDecoder per event

if runs("3") {
/// A realistic stream: OpenAI-style content events with keep-alive comments, ~64 KiB.
var stream: [UInt8] = []
while stream.count < 64 * 1024 {
    stream += Array("data: \(contentChunk)\n\n".utf8)
    if stream.count % 7 == 0 { stream += Array(": OPENROUTER PROCESSING\n\n".utf8) }
}
let eventCount = stream.count / (contentChunk.utf8.count + 8)
let kilobytes = Double(stream.count) / 1024
print("\n3. SSEParser.feed(_:into:) over a \(stream.count / 1024) KiB stream of \(eventCount) events, by network chunk size")
var outputs: [SSEParser.Output] = []
for chunkSize in [64, 1024, 16 * 1024] {
    let perStream = stream.withUnsafeBytes { raw in
        measure(iterations: 20) {
            var parser = SSEParser()
            var offset = 0
            while offset < raw.count {
                let end = min(offset + chunkSize, raw.count)
                parser.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end]), into: &outputs)
                outputs.removeAll(keepingCapacity: true)
                offset = end
            }
        }
    }
    report("\(chunkSize)-byte network chunks", perStream / kilobytes, "ns/KB")
}
let decoderPerStream = stream.withUnsafeBytes { raw in
    measure(iterations: 20) {
        var streamDecoder = ChatStreamDecoder()
        var offset = 0
        while offset < raw.count {
            let end = min(offset + 1024, raw.count)
            streamDecoder.feed(UnsafeRawBufferPointer(rebasing: raw[offset..<end]), into: &events)
            events.removeAll(keepingCapacity: true)
            offset = end
        }
    }
}
report("ChatStreamDecoder (SSE + accumulator), 1 KiB chunks", decoderPerStream / Double(eventCount), "ns/event")
}

// MARK: 4. ChatStreamDecoder fed one event per read, as ProviderBench's mock streams them

if runs("4") {
let mockEvent = Array(#"data: {"id":"chatcmpl-mock","object":"chat.completion.chunk","created":0,"model":"mock","choices":[{"index":0,"delta":{"content":"w42 "},"finish_reason":null}]}"#.utf8) + [10, 10]
print("\n4. ChatStreamDecoder, one \(mockEvent.count)-byte event per feed (ProviderBench's mock stream)")
var eventDecoder = ChatStreamDecoder()
let perEvent = mockEvent.withUnsafeBytes { raw in
    measure(iterations: 200_000) {
        eventDecoder.feed(raw, into: &events)
        events.removeAll(keepingCapacity: true)
    }
}
report("ChatStreamDecoder.feed(_:into:)", perEvent, "ns/event")
}
