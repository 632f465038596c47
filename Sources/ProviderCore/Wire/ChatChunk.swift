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
            var topLevelError: WireError?  // created only when such a member appears
            var isErrorObject = false
            try reader.readObject { reader, key in
                switch key {
                case "model" where readsModel: chunk.model = try reader.readString()
                case "choices":
                    var position = 0
                    try reader.readArray { reader in
                        let choice = try ChatChoice.read(from: &reader)
                        if chunk.choice == nil, let choice, (choice.index ?? position) == 0 { chunk.choice = choice }
                        position += 1
                    }
                case "usage": chunk.usage = try WireUsage.read(from: &reader) ?? chunk.usage
                case "x_groq":
                    try reader.readObject { reader, key in
                        switch key {
                        case "usage":
                            let groqUsage = try WireUsage.read(from: &reader)
                            chunk.usage = chunk.usage ?? groqUsage
                        default: try reader.skipValue()
                        }
                    }
                case "error": chunk.error = try WireError.read(from: &reader)
                case "object": isErrorObject = try reader.readStringToken().map { "error" ~= $0 } ?? false
                case "message", "type", "code":
                    if topLevelError == nil { topLevelError = WireError() }
                    try topLevelError?.readMember(key, from: &reader)
                default: try reader.skipValue()
                }
            }
            if chunk.error == nil, isErrorObject { chunk.error = topLevelError ?? WireError() }  // vLLM's form
            return chunk
        }
    }
}
