import Foundation
import JSONSupport

/// A stored message, as returned to the host.
struct MessageRecord: Codable, Equatable {
    var id: Int64
    var conversationID: String
    var seq: Int64
    var role: String
    var content: String
    var reasoning: String?
    var toolCalls: JSONValue?
    var toolCallID: String?
    var toolName: String?
    var usage: JSONValue?
    var model: String?
    var provider: String?
    var requestID: String?
    var status: String
    var createdAt: Int64
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, seq, role, content, reasoning, usage, model, provider, status
        case conversationID = "conversation_id", toolCalls = "tool_calls", toolCallID = "tool_call_id", toolName = "tool_name"
        case requestID = "request_id", createdAt = "created_at", updatedAt = "updated_at"
    }
}

extension MessageRecord {
    /// The record as JSON, absent optionals left out (what JSONEncoder would write, written by
    /// JSONSupport's writer: every store answer carries messages, so this is on the hot path).
    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .int(id), "conversation_id": .string(conversationID), "seq": .int(seq), "role": .string(role),
            "content": .string(content), "status": .string(status), "created_at": .int(createdAt), "updated_at": .int(updatedAt),
        ]
        if let reasoning { members["reasoning"] = .string(reasoning) }
        if let toolCalls { members["tool_calls"] = toolCalls }
        if let toolCallID { members["tool_call_id"] = .string(toolCallID) }
        if let toolName { members["tool_name"] = .string(toolName) }
        if let usage { members["usage"] = usage }
        if let model { members["model"] = .string(model) }
        if let provider { members["provider"] = .string(provider) }
        if let requestID { members["request_id"] = .string(requestID) }
        return .object(members)
    }

    /// `json` written straight to text, the keys in sorted order (the same bytes as `json.jsonText`,
    /// without a dictionary per message: load_context answers with dozens of them every turn).
    func write(to writer: inout JSONTextWriter) {
        writer.beginObject()
        writer.member("content", content)
        writer.member("conversation_id", conversationID)
        writer.member("created_at", createdAt)
        writer.member("id", id)
        writer.member("model", model)
        writer.member("provider", provider)
        writer.member("reasoning", reasoning)
        writer.member("request_id", requestID)
        writer.member("role", role)
        writer.member("seq", seq)
        writer.member("status", status)
        writer.member("tool_call_id", toolCallID)
        writer.member("tool_calls", toolCalls)
        writer.member("tool_name", toolName)
        writer.member("updated_at", updatedAt)
        writer.member("usage", usage)
        writer.endObject()
    }
}

/// A message to append, as the host sends it.
struct NewMessage: Codable {
    var role: String
    var content: String?
    var reasoning: String?
    var toolCalls: JSONValue?
    var toolCallID: String?
    var toolName: String?
    var usage: JSONValue?
    var model: String?
    var provider: String?
    var requestID: String?
    var status: String?

    enum CodingKeys: String, CodingKey {
        case role, content, reasoning, usage, model, provider, status
        case toolCalls = "tool_calls", toolCallID = "tool_call_id", toolName = "tool_name", requestID = "request_id"
    }

    static let roles: Set<String> = ["system", "user", "assistant", "tool"]

    func validated() throws(StoreError) -> NewMessage {
        guard Self.roles.contains(role) else { throw .invalid("role must be one of system, user, assistant, tool; found \"\(role)\"") }
        if let status, status != "complete" && status != "incomplete" { throw .invalid("status must be \"complete\" or \"incomplete\"") }
        if role == "tool" && toolCallID == nil { throw .invalid("a tool message needs tool_call_id") }
        return self
    }

    /// A cheap token estimate (about four bytes per token); the host calibrates per model.
    var estimatedTokens: Int { ((content?.utf8.count ?? 0) + (reasoning?.utf8.count ?? 0) + (toolCalls.map { $0.jsonText.utf8.count } ?? 0)) / 4 + 4 }
}

/// A conversation's summary.
struct ConversationRecord: Codable, Equatable {
    var id: String
    var owner: String
    var title: String?
    var savedName: String?
    var createdAt: Int64
    var updatedAt: Int64
    var messageCount: Int64?
    var metadata: JSONValue? = nil
    var memoryLimit: Int64? = nil

    enum CodingKeys: String, CodingKey {
        case id, owner, title, metadata
        case savedName = "saved_name", createdAt = "created_at", updatedAt = "updated_at", messageCount = "message_count", memoryLimit = "memory_limit"
    }
}

extension ConversationRecord {
    var json: JSONValue {
        var members: [String: JSONValue] = ["id": .string(id), "owner": .string(owner), "created_at": .int(createdAt), "updated_at": .int(updatedAt)]
        if let title { members["title"] = .string(title) }
        if let savedName { members["saved_name"] = .string(savedName) }
        if let messageCount { members["message_count"] = .int(messageCount) }
        if let metadata { members["metadata"] = metadata }
        if let memoryLimit { members["memory_limit"] = .int(memoryLimit) }
        return .object(members)
    }
}

enum Clock {
    /// Milliseconds since 1970, the unit of every stored timestamp.
    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

extension Encodable {
    /// Compact JSON; encoding our records cannot fail.
    var jsonText: String {
        (try? JSONEncoder().encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension Decodable {
    /// Decodes a request, turning every decoding problem into an invalid-request error that names the field.
    static func decode(_ json: String) throws(StoreError) -> Self {
        do { return try JSONValue.parse(json).decode(Self.self) } catch let DecodingError.keyNotFound(key, _) {
            throw .invalid("missing field \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalid("field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type")
        } catch {
            throw .invalid("the request is not valid JSON for this op")
        }
    }
}
