/// A tool source's prompt (`get_prompt`'s result) as chat messages.
enum PromptMessages {
    /// `{"messages": [{"role", "content": item}]}` to `[{"role", "content": text}]`: a text item
    /// gives its text, a resource its text, anything else (an image, say) its JSON.
    static func chatMessages(_ result: JSONValue) -> [JSONValue] {
        (result["messages"]?.arrayValue ?? []).map { message in
            let role = message["role"]?.stringValue == "assistant" ? "assistant" : "user"
            let item = message["content"] ?? .null
            let text: String
            switch item {
            case .string(let plain): text = plain
            default: text = item["text"]?.stringValue ?? item["resource"]?["text"]?.stringValue ?? item.jsonText
            }
            return .object(["role": .string(role), "content": .string(text)])
        }
    }
}
