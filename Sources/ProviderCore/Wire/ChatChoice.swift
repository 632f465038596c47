/// One element of `choices`: a streamed `delta` or a whole `message`, and how it ended.
struct ChatChoice {
    var index: Int?
    var delta = ChatMessageDelta()
    /// Non-nil once the choice is complete: "stop", "length", "tool_calls", "content_filter", "error", ...
    var finishReason: String?
    /// An error attached to the choice itself (some OpenRouter upstreams put it here).
    var error: WireError?

    /// Reads one choice object; nil for `null` or a value of another type.
    static func read(from reader: inout JSONReader) throws -> ChatChoice? {
        var choice = ChatChoice()
        return try choice.readMembers(from: &reader) ? choice : nil
    }

    /// Fills in the members; false (after skipping the value) when it is not an object. Mutating,
    /// so that `read` returns the value without a copy.
    private mutating func readMembers(from reader: inout JSONReader) throws -> Bool {
        try reader.readObject { reader, key in
            switch key {
            case "index": index = try reader.readInt()
            case "delta", "message": delta = try ChatMessageDelta.read(from: &reader)
            case "finish_reason": finishReason = try reader.readString()
            case "error": error = try WireError.read(from: &reader)
            default: try reader.skipValue()
            }
        }
    }
}
