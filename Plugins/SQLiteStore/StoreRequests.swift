import JSONSupport

/// The JSON requests of the store's ops (docs/PLUGINS.md lists them with their results).
enum StoreRequests {
    struct Scope: Codable {
        var conversationID: String
        var owner: String
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner }
    }
    struct Append: Codable {
        var conversationID: String
        var owner: String
        var message: NewMessage
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner, message }
    }
    struct AppendBatch: Codable {
        var conversationID: String
        var owner: String
        var messages: [NewMessage]
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner, messages }
    }
    struct StreamAppend: Codable {
        var messageID: Int64
        var content: String?
        var reasoning: String?
        enum CodingKeys: String, CodingKey { case messageID = "message_id", content, reasoning }
    }
    struct StreamEnd: Codable {
        var messageID: Int64
        var status: String
        var toolCalls: JSONValue?
        var usage: JSONValue?
        var model: String?
        enum CodingKeys: String, CodingKey { case messageID = "message_id", status, usage, model, toolCalls = "tool_calls" }
    }
    struct Context: Codable {
        var conversationID: String
        var owner: String
        var maxMessages: Int?
        var maxTokens: Int?
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner, maxMessages = "max_messages", maxTokens = "max_tokens" }
    }
    struct Create: Codable {
        var conversationID: String
        var owner: String
        var metadata: JSONValue?
        var memoryLimit: Int?
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner, metadata, memoryLimit = "memory_limit" }
    }
    struct List: Codable {
        var owner: String
        var limit: Int?
        var cursor: String?
    }
    struct Get: Codable {
        var conversationID: String
        var owner: String
        var messagesLimit: Int?
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner, messagesLimit = "messages_limit" }
    }
    struct Save: Codable {
        var conversationID: String
        var owner: String
        var name: String?
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner, name }
    }
    struct Title: Codable {
        var conversationID: String
        var owner: String
        var title: String
        enum CodingKeys: String, CodingKey { case conversationID = "conversation_id", owner, title }
    }
}
