/// Turns stored messages into the `messages` of a chat request.
enum ConversationContext {
    /// Stored messages (oldest first) as OpenAI-style messages. A tool call whose results are
    /// not all stored (its turn was cancelled) is dropped together with the results it has, so
    /// the provider never sees a call without its answer.
    static func messages(from stored: [JSONValue]) -> [JSONValue] {
        let answered = Set(stored.compactMap { $0["role"]?.stringValue == "tool" ? $0["tool_call_id"]?.stringValue : nil })
        var kept = Set<String>()
        var result: [JSONValue] = []
        for message in stored {
            let role = message["role"]?.stringValue ?? "user"
            let content = message["content"]?.stringValue ?? ""
            switch role {
            case "assistant":
                var out: [String: JSONValue] = ["role": .string("assistant"), "content": .string(content)]
                let calls = message["tool_calls"]?.arrayValue ?? []
                if !calls.isEmpty, calls.allSatisfy({ $0["id"]?.stringValue.map(answered.contains) ?? false }) {
                    out["tool_calls"] = .array(calls)
                    calls.compactMap { $0["id"]?.stringValue }.forEach { kept.insert($0) }
                    if content.isEmpty { out["content"] = .null }
                } else if content.isEmpty {
                    continue
                }
                result.append(.object(out))
            case "tool":
                guard let id = message["tool_call_id"]?.stringValue, kept.contains(id) else { continue }
                result.append(.object(["role": .string("tool"), "tool_call_id": .string(id), "content": .string(content)]))
            default:
                result.append(.object(["role": .string(role), "content": .string(content)]))
            }
        }
        return result
    }

    /// The assistant message that asked for tools, as the provider expects it back.
    static func assistantMessage(text: String, calls: [RequestedToolCall]) -> JSONValue {
        .object(["role": .string("assistant"), "content": text.isEmpty ? .null : .string(text), "tool_calls": storedToolCalls(calls)])
    }

    /// Tool calls in the OpenAI shape, as they are stored and sent.
    static func storedToolCalls(_ calls: [RequestedToolCall]) -> JSONValue {
        .array(calls.map { call in
            .object(["id": .string(call.id), "type": .string("function"),
                     "function": .object(["name": .string(call.name), "arguments": .string(call.arguments)])])
        })
    }

    static func toolMessage(_ outcome: ToolOutcome) -> JSONValue {
        .object(["role": .string("tool"), "tool_call_id": .string(outcome.call.id), "content": .string(outcome.message)])
    }
}
