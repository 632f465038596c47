/// A streamed `delta` or a whole `message`: both carry the same fields.
struct ChatMessageDelta {
    /// `content` as a string, or the `text` of its parts when sent as an array of content parts.
    var content: String?
    /// OpenAI's `refusal`: the model declined; shown to the user as reply text.
    var refusal: String?
    /// The reasoning text of this delta, from the first non-empty of `reasoning_content` (DeepSeek,
    /// vLLM, Groq), `reasoning` (OpenRouter, Groq), `thinking`, and the `text` or `summary` of the
    /// `reasoning_details` entries (OpenRouter; encrypted entries have none). OpenRouter sends the
    /// same text in `reasoning` and in `reasoning_details`, so only one field may count.
    private(set) var reasoningText: String?
    /// The priority of the field `reasoningText` came from (lower wins), whatever the key order.
    private var reasoningRank = Int.max
    var toolCalls: [ToolCallFragment] = []

    private mutating func offerReasoning(_ text: String?, rank: Int) {
        guard let text, !text.isEmpty, rank < reasoningRank else { return }
        reasoningText = text
        reasoningRank = rank
    }

    /// The reply text of this delta: content, then any refusal.
    var replyText: String? {
        switch (content, refusal) {
        case let (content?, refusal?) where !content.isEmpty && !refusal.isEmpty: content + refusal
        case let (content?, _) where !content.isEmpty: content
        case let (_, refusal?) where !refusal.isEmpty: refusal
        default: nil
        }
    }

    /// Reads a delta or message object; an empty delta for `null` or a value of another type.
    static func read(from reader: inout JSONReader) throws -> ChatMessageDelta {
        var delta = ChatMessageDelta()
        try delta.readMembers(from: &reader)
        return delta
    }

    /// Mutating, so that `read` returns the value without a copy.
    private mutating func readMembers(from reader: inout JSONReader) throws {
        try reader.readObject { reader, key in
            switch key {
            case "content":
                content = try reader.peekKind() == .array ? try Self.readContentParts(from: &reader) : try reader.readString()
            case "refusal": refusal = try reader.readString()
            case "reasoning_content": offerReasoning(try reader.readString(), rank: 0)
            case "reasoning": offerReasoning(try reader.readString(), rank: 1)
            case "thinking": offerReasoning(try reader.readString(), rank: 2)
            case "reasoning_details" where reasoningRank > 3:  // else a plain field already won
                offerReasoning(try Self.readReasoningDetails(from: &reader), rank: 3)
            case "tool_calls":
                try reader.readArray { reader in
                    if let fragment = try ToolCallFragment.read(from: &reader) { toolCalls.append(fragment) }
                }
            default: try reader.skipValue()
            }
        }
    }

    /// `[{"type":"text","text":"..."}, ...]`: the text of the parts whose type is text (or absent).
    private static func readContentParts(from reader: inout JSONReader) throws -> String? {
        var text = ""
        try reader.readArray { reader in
            var type: String?
            var partText: String?
            try reader.readObject { reader, key in
                switch key {
                case "type": type = try reader.readString()
                case "text": partText = try reader.readString()
                default: try reader.skipValue()
                }
            }
            if type == nil || type == "text", let partText { text += partText }
        }
        return text
    }

    /// `[{"type":"reasoning.text","text":...}, {"type":"reasoning.summary","summary":...}, ...]`.
    private static func readReasoningDetails(from reader: inout JSONReader) throws -> String? {
        var text = ""
        try reader.readArray { reader in
            try reader.readObject { reader, key in
                switch key {
                case "text", "summary": text += try reader.readString() ?? ""
                default: try reader.skipValue()
                }
            }
        }
        return text
    }
}
