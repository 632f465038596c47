import JSONSupport

/// Turns MCP results into the host's shapes (docs/PLUGINS.md, tool_source): a structured result
/// for clients and a plain-text tool message for the model. Pure.
///
/// Content items, by MCP type → host item → line in the tool message:
/// - `text {text}` → `{"type":"text","text"}` → the text
/// - `image`/`audio {data, mimeType}` → `{"type","data","mime_type"}` → `[image: image/png, 1.2 KB]`
/// - `resource_link {uri, name, ...}` → `{"type":"resource_link","uri","name","mime_type"?,"description"?,"title"?}`
///   → `[resource link: name <uri>]`
/// - `resource {resource: {uri, mimeType?, text | blob}}` → `{"type":"resource","uri","mime_type"?,"text"|"blob"}`
///   → `[resource <uri>]` and its text, or `[resource <uri>: mime, N bytes]`
/// - anything else → `{"type": T, "raw": item}` → `[unsupported content: T]`
/// `annotations` and `_meta` are kept on each item as `annotations` and `meta`.
public enum ContentConverter {
    /// A tools/call result → `{"content","is_error","tool_message","structured_content"?,"server","tool"}`.
    public static func toolResult(_ result: JSONValue, server: String, tool: String) -> JSONValue {
        let items = result["content"]?.elements ?? []
        let converted = items.map(item)
        var lines = items.map(messageLine)
        let structured = result["structuredContent"].flatMap { $0.members != nil ? $0 : nil }
        if lines.isEmpty, let structured { lines = [structured.jsonText] }  // a text copy is optional for structured output
        var object: [String: JSONValue] = [
            "content": .array(converted), "is_error": .bool(result["isError"]?.flag ?? false),
            "tool_message": .string(lines.joined(separator: "\n")), "server": .string(server), "tool": .string(tool),
        ]
        if let structured { object["structured_content"] = structured }
        return .object(object)
    }

    /// A tool-error result made by this client (server down, timeout, protocol error) in the same
    /// shape, plus `error: {code, message}` for clients.
    public static func toolError(_ error: MCPError, server: String?, tool: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "content": .array([.object(["type": .string("text"), "text": .string(error.message)])]),
            "is_error": .bool(true), "tool_message": .string(error.message), "tool": .string(tool),
            "error": .object(["code": .string(error.code.rawValue), "message": .string(error.message)]),
        ]
        if let server { object["server"] = .string(server) }
        return .object(object)
    }

    /// A prompts/get result → `{"description"?, "messages": [{"role", "content": item}], "server", "prompt"}`.
    public static func promptResult(_ result: JSONValue, server: String, prompt: String) -> JSONValue {
        let messages: [JSONValue] = (result["messages"]?.elements ?? []).map { message in
            .object(["role": message["role"] ?? .string("user"), "content": item(message["content"] ?? .null)])
        }
        var object: [String: JSONValue] = ["messages": .array(messages), "server": .string(server), "prompt": .string(prompt)]
        if let description = result["description"]?.stringValue { object["description"] = .string(description) }
        return .object(object)
    }

    /// A resources/read result → `{"contents": [{"uri","mime_type"?,"text"|"blob"}], "server"}`.
    public static func resourceResult(_ result: JSONValue, server: String) -> JSONValue {
        .object(["contents": .array((result["contents"]?.elements ?? []).map(resourceContents)), "server": .string(server)])
    }

    static func item(_ item: JSONValue) -> JSONValue {
        let type = item["type"]?.stringValue ?? ""
        var object: [String: JSONValue]
        switch type {
        case "text":
            object = ["type": .string("text"), "text": .string(item["text"]?.stringValue ?? "")]
        case "image", "audio":
            object = ["type": .string(type), "data": .string(item["data"]?.stringValue ?? ""),
                      "mime_type": .string(item["mimeType"]?.stringValue ?? "application/octet-stream")]
        case "resource_link":
            object = ["type": .string("resource_link"), "uri": item["uri"] ?? .null, "name": item["name"] ?? item["uri"] ?? .null]
            for (from, to) in [("mimeType", "mime_type"), ("description", "description"), ("title", "title")] {
                if let value = item[from]?.stringValue { object[to] = .string(value) }
            }
        case "resource":
            object = resourceContents(item["resource"] ?? .null).members ?? [:]
            object["type"] = .string("resource")
        default:
            object = ["type": .string(type.isEmpty ? "unknown" : type), "raw": item]
        }
        if let annotations = item["annotations"], annotations != .null { object["annotations"] = annotations }
        if let meta = item["_meta"], meta != .null { object["meta"] = meta }
        return .object(object)
    }

    static func resourceContents(_ contents: JSONValue) -> JSONValue {
        var object: [String: JSONValue] = ["uri": contents["uri"] ?? .null]
        if let mime = contents["mimeType"]?.stringValue { object["mime_type"] = .string(mime) }
        if let text = contents["text"]?.stringValue { object["text"] = .string(text) }
        if let blob = contents["blob"]?.stringValue { object["blob"] = .string(blob) }
        return .object(object)
    }

    /// The model's view of one content item.
    static func messageLine(_ item: JSONValue) -> String {
        let type = item["type"]?.stringValue ?? ""
        switch type {
        case "text":
            return item["text"]?.stringValue ?? ""
        case "image", "audio":
            let bytes = (item["data"]?.stringValue?.utf8.count ?? 0) * 3 / 4
            return "[\(type): \(item["mimeType"]?.stringValue ?? "unknown type"), \(size(bytes))]"
        case "resource_link":
            let uri = item["uri"]?.stringValue ?? ""
            var line = "[resource link: \(item["name"]?.stringValue ?? uri) <\(uri)>]"
            if let description = item["description"]?.stringValue { line += " " + description }
            return line
        case "resource":
            let resource = item["resource"] ?? .null
            let uri = resource["uri"]?.stringValue ?? ""
            if let text = resource["text"]?.stringValue { return "[resource <\(uri)>]\n" + text }
            let bytes = (resource["blob"]?.stringValue?.utf8.count ?? 0) * 3 / 4
            return "[resource <\(uri)>: \(resource["mimeType"]?.stringValue ?? "binary"), \(size(bytes))]"
        default:
            return "[unsupported content: \(type.isEmpty ? "unknown" : type)]"
        }
    }

    static func size(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) bytes" }
        if bytes < 1024 * 1024 { return "\((Double(bytes) / 1024 * 10).rounded() / 10) KB" }
        return "\((Double(bytes) / 1024 / 1024 * 10).rounded() / 10) MB"
    }
}
