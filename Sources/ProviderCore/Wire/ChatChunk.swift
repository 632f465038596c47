/// A chat-completions object: one streamed `chat.completion.chunk`, or a whole `chat.completion`
/// (the non-streaming body has the same top-level shape, with `message` instead of `delta`).
///
/// Only the first choice (index 0) is kept: Switchboard requests one choice (`n` = 1).
struct ChatChunk {
    var model: String?
    var choice: ChatChoice?
    /// `usage`, or Groq's `x_groq.usage` (Groq's streams put it there).
    var usage: WireUsage?
    var error: WireError?

    /// Reads one JSON object.
    /// - Parameter readsModel: false skips `model` (it costs an allocation per chunk, and a stream
    ///   keeps one model).
    /// - Throws: `JSONSyntaxError` when the text is not JSON, or is JSON but not an object.
    static func read(_ bytes: UnsafeRawBufferPointer, readsModel: Bool = true) throws -> ChatChunk {
        try JSONReader.read(bytes) { reader in
            guard try reader.peekKind() == .object else { throw reader.error("expected a JSON object") }
            var chunk = ChatChunk()
            try chunk.readMembers(from: &reader, readsModel: readsModel)
            return chunk
        }
    }

    /// Fills in the members of the object at the reader. A mutating method rather than closures
    /// capturing a local: the value is then returned without a copy (ProviderBench's profile
    /// showed copies of chunks and choices costing ~20% of decoding a chunk).
    private mutating func readMembers(from reader: inout JSONReader, readsModel: Bool) throws {
        var topLevelError: WireError?  // created only when such a member appears
        var isErrorObject = false
        try reader.readObject { reader, key in
            switch key {
            case "model" where readsModel: model = try reader.readString()
            case "choices":
                var position = 0
                try reader.readArray { reader in
                    let next = try ChatChoice.read(from: &reader)
                    if choice == nil, let next, (next.index ?? position) == 0 { choice = next }
                    position += 1
                }
            case "usage": usage = try WireUsage.read(from: &reader) ?? usage
            case "x_groq":
                try reader.readObject { reader, key in
                    switch key {
                    case "usage":
                        let groqUsage = try WireUsage.read(from: &reader)
                        usage = usage ?? groqUsage
                    default: try reader.skipValue()
                    }
                }
            case "error": error = try WireError.read(from: &reader)
            case "object": isErrorObject = try reader.readStringToken().map { "error" ~= $0 } ?? false
            case "message", "type", "code":
                if topLevelError == nil { topLevelError = WireError() }
                try topLevelError?.readMember(key, from: &reader)
            default: try reader.skipValue()
            }
        }
        if error == nil, isErrorObject { error = topLevelError ?? WireError() }  // vLLM's form
    }
}
