/// The orchestrator's settings: the `chat:` section of plugins.yaml (names as the seed configs
/// use them). A turn takes a snapshot when it starts, so a reload never changes a running turn.
public struct ChatSettings: Sendable, Equatable {
    /// What a second request for a conversation does while a turn of it runs.
    public enum BusyPolicy: String, Sendable, CaseIterable { case queue, reject }

    /// A prompt from a tool source applied at the start of every context.
    public struct ContextPrompt: Sendable, Equatable {
        public var name: String
        public var arguments: [String: String] = [:]
        public var source: String?
    }

    public var systemPrompt = "You are a helpful assistant. Use the tools you are given when they help."
    public var maxToolHops = 8
    public var maxParallelTools = 4
    /// Seconds one tool call may take (a tool source may apply its own shorter limit).
    public var toolTimeout = 60.0
    public var busy = BusyPolicy.queue
    /// Requests waiting per conversation under `busy: queue`; beyond it they are refused.
    public var maxQueued = 8
    /// The model's context window in tokens, what is kept free for the reply, and how many of
    /// the newest messages are always sent even when they overflow the budget.
    public var maxTokens = 4000
    public var reserveTokens = 500
    public var preserveRecent = 5
    public var contextPrompts: [ContextPrompt] = []
    public var contextResources: [String] = []
    /// Streamed text reaches the store at least this often (and whenever this much is pending).
    public var flushInterval = 0.2
    public var flushChars = 1024
    /// Finished turns kept for `resume` and repeated request ids.
    public var replayTurns = 1000
    public var replaySeconds = 600.0
    /// Characters of a tool result shown to clients in tool_execution events.
    public var resultPreviewChars = 200
    /// On SIGTERM/SIGINT, how long running turns may go on before they are cancelled.
    public var shutdownGrace = 5.0

    public init() {}

    static let keys: Set<String> = ["system_prompt", "max_tool_hops", "max_parallel_tools", "tool_timeout", "busy", "max_queued",
                                    "context", "persistence", "replay", "tool_result_preview", "shutdown_grace"]

    static func read(_ node: ConfigNode, _ reader: inout ConfigReader) -> ChatSettings {
        var settings = ChatSettings()
        guard let fields = reader.mapping(node, "chat", allowed: keys) else { return settings }
        for field in fields {
            let value = field.value, what = "chat.\(field.key)"
            switch field.key {
            case "system_prompt": settings.systemPrompt = reader.string(value, what) ?? settings.systemPrompt
            case "max_tool_hops": settings.maxToolHops = reader.int(value, what, in: 0...100) ?? settings.maxToolHops
            case "max_parallel_tools": settings.maxParallelTools = reader.int(value, what, in: 1...64) ?? settings.maxParallelTools
            case "tool_timeout": settings.toolTimeout = reader.number(value, what, in: 0.1...3600) ?? settings.toolTimeout
            case "busy":
                if let name = reader.string(value, what) {
                    if let policy = BusyPolicy(rawValue: name) { settings.busy = policy }
                    else { reader.fail(value, "\(what) must be queue or reject, found '\(name)'") }
                }
            case "max_queued": settings.maxQueued = reader.int(value, what, in: 0...1000) ?? settings.maxQueued
            case "context": readContext(value, &reader, into: &settings)
            case "persistence":
                guard let entries = reader.mapping(value, what, allowed: ["flush_ms", "flush_chars"]) else { break }
                for entry in entries {
                    if entry.key == "flush_ms" { settings.flushInterval = reader.int(entry.value, "\(what).flush_ms", in: 1...60_000).map { Double($0) / 1000 } ?? settings.flushInterval }
                    if entry.key == "flush_chars" { settings.flushChars = reader.int(entry.value, "\(what).flush_chars", in: 1...1_048_576) ?? settings.flushChars }
                }
            case "replay":
                guard let entries = reader.mapping(value, what, allowed: ["max_turns", "keep_seconds"]) else { break }
                for entry in entries {
                    if entry.key == "max_turns" { settings.replayTurns = reader.int(entry.value, "\(what).max_turns", in: 0...1_000_000) ?? settings.replayTurns }
                    if entry.key == "keep_seconds" { settings.replaySeconds = reader.number(entry.value, "\(what).keep_seconds", in: 0...604_800) ?? settings.replaySeconds }
                }
            case "tool_result_preview": settings.resultPreviewChars = reader.int(value, what, in: 0...100_000) ?? settings.resultPreviewChars
            case "shutdown_grace": settings.shutdownGrace = reader.number(value, what, in: 0...3600) ?? settings.shutdownGrace
            default: break  // reported by mapping(allowed:)
            }
        }
        if settings.reserveTokens >= settings.maxTokens {
            reader.fail(node, "chat.context.reserve_tokens (\(settings.reserveTokens)) must be below chat.context.max_tokens (\(settings.maxTokens))")
        }
        return settings
    }

    private static func readContext(_ node: ConfigNode, _ reader: inout ConfigReader, into settings: inout ChatSettings) {
        guard let entries = reader.mapping(node, "chat.context", allowed: ["max_tokens", "reserve_tokens", "preserve_recent", "prompts", "resources"]) else { return }
        for entry in entries {
            let what = "chat.context.\(entry.key)"
            switch entry.key {
            case "max_tokens": settings.maxTokens = reader.int(entry.value, what, in: 256...10_000_000) ?? settings.maxTokens
            case "reserve_tokens": settings.reserveTokens = reader.int(entry.value, what, in: 0...10_000_000) ?? settings.reserveTokens
            case "preserve_recent": settings.preserveRecent = reader.int(entry.value, what, in: 0...1000) ?? settings.preserveRecent
            case "resources": settings.contextResources = reader.stringList(entry.value, what) ?? []
            case "prompts":
                guard case .sequence(let items) = entry.value.value else { reader.fail(entry.value, "\(what) must be a list, found \(entry.value.typeName)"); break }
                settings.contextPrompts = items.compactMap { item in
                    if case .scalar = item.value { return reader.string(item, "each entry of \(what)").map { ContextPrompt(name: $0) } }
                    guard let fields = reader.mapping(item, "an entry of \(what)", allowed: ["name", "arguments", "source"]),
                          let name = item["name"].flatMap({ reader.string($0, "\(what)[].name") }) else {
                        reader.fail(item, "an entry of \(what) needs \"name\"")
                        return nil
                    }
                    var prompt = ContextPrompt(name: name, source: item["source"].flatMap { reader.string($0, "\(what)[].source") })
                    if let arguments = fields.first(where: { $0.key == "arguments" })?.value,
                       let pairs = reader.mapping(arguments, "\(what)[].arguments") {
                        for pair in pairs { prompt.arguments[pair.key] = reader.string(pair.value, "\(what)[].arguments.\(pair.key)") }
                    }
                    return prompt
                }
            default: break
            }
        }
    }
}
