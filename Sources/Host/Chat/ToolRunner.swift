import Foundation
import PluginABI

/// One finished tool call: what the model gets back, and what clients see.
struct ToolOutcome: Sendable {
    var call: RequestedToolCall
    /// The tool message's content for the model.
    var message: String
    var isError: Bool
    var durationMs: Int
}

/// Runs a model's tool calls through the tool sources, up to `maxParallel` at once, and returns
/// the outcomes in call order. A failure of any kind (unknown tool, bad arguments, a source
/// down, a timeout) is an error result the model can read, never an error of the turn.
struct ToolRunner: Sendable {
    let turn: Turn
    let listing: ToolCatalog.Listing
    let settings: ChatSettings
    let metrics: MetricsRegistry

    /// Where a tool runs, for metrics: its MCP server when the source names one, else the source.
    private func serverName(of tool: String) -> String {
        guard let entry = listing.tools.first(where: { $0.tool["name"]?.stringValue == tool }) else { return "unknown" }
        return entry.tool["server"]?.stringValue ?? entry.source.name
    }

    func run(_ calls: [RequestedToolCall], hop: Int) async -> [ToolOutcome] {
        await withTaskGroup(of: (Int, ToolOutcome).self) { group in
            var outcomes = [ToolOutcome?](repeating: nil, count: calls.count)
            var next = 0
            func startNext() {
                guard next < calls.count else { return }
                let position = next, call = calls[next]
                next += 1
                group.addTask { (position, await self.execute(call, hop: hop)) }
            }
            for _ in 0..<min(settings.maxParallelTools, calls.count) { startNext() }
            for await (position, outcome) in group {
                outcomes[position] = outcome
                startNext()
            }
            return outcomes.compactMap { $0 }
        }
    }

    private func execute(_ call: RequestedToolCall, hop: Int) async -> ToolOutcome {
        let arguments = (try? JSONValue.parse(call.arguments.isEmpty ? "{}" : call.arguments)) ?? .null
        turn.emit(PluginEvent(kind: .toolStatus, text: "executing", id: call.id, name: call.name,
                              data: JSONValue.object(["arguments": arguments == .null ? .string(call.arguments) : arguments, "hop": .int(Int64(hop))]).jsonText))
        let started = ContinuousClock.now
        let (message, isError) = await invoke(call, arguments: arguments)
        let elapsed = ContinuousClock.now - started
        let server = "server=\"\(serverName(of: call.name).prometheusLabelValue)\""
        metrics.count("switchboard_tool_calls_total", server + ",outcome=\"\(isError ? "error" : "ok")\"")
        metrics.observe("switchboard_tool_call_duration_seconds", server, seconds: elapsed.seconds)
        let durationMs = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let preview = message.count > settings.resultPreviewChars ? String(message.prefix(settings.resultPreviewChars)) + "…" : message
        turn.emit(PluginEvent(kind: .toolStatus, text: isError ? "error" : "completed", id: call.id, name: call.name,
                              data: JSONValue.object(["duration_ms": .int(Int64(durationMs)), "result_preview": .string(preview),
                                                      "is_error": .bool(isError), "hop": .int(Int64(hop))]).jsonText))
        return ToolOutcome(call: call, message: message, isError: isError, durationMs: durationMs)
    }

    /// The tool's answer for the model, and whether it is an error.
    private func invoke(_ call: RequestedToolCall, arguments: JSONValue) async -> (String, Bool) {
        guard case .object = arguments else {
            return ("Error: the arguments for \(call.name) are not a JSON object: \(call.arguments)", true)
        }
        guard let source = listing.toolsByName[call.name] else {
            return ("Error: there is no tool named '\(call.name)'.", true)
        }
        let request: JSONValue = .object(["name": .string(call.name), "arguments": arguments, "timeout": .double(settings.toolTimeout)])
        // The host's own limit sits a little beyond the one the tool source applies, so a source's
        // own timeout result wins when it answers at all.
        switch await ComponentCall.run(source, op: "call_tool", request: request, cancellable: true,
                                       deadline: .milliseconds(Int(settings.toolTimeout * 1000) + 2000)) {
        case .failure(let failure):
            return ("Error: \(call.name) failed: \(failure.message)", true)
        case .success(let text):
            guard let result = try? JSONValue.parse(text) else { return (text, false) }
            let isError = result["is_error"] == .bool(true)
            if let message = result["tool_message"]?.stringValue { return (message, isError) }
            let texts = (result["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
            return (texts.isEmpty ? text : texts.joined(separator: "\n"), isError)
        }
    }
}
