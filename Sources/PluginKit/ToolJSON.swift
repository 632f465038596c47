import JSONSupport

/// The JSON shapes of the tool-source ops (docs/PLUGINS.md, "tool_source"), for tool sources
/// written with PluginKit: a tool's listing entry and a text tool result.
public enum ToolJSON {
    /// A tool for `list`: name, description and a JSON Schema object of its arguments.
    public static func tool(_ name: String, _ description: String, properties: [String: JSONValue], required: [String]) -> JSONValue {
        .object(["name": .string(name), "description": .string(description),
                 "input_schema": .object(["type": .string("object"), "properties": .object(properties),
                                          "required": .array(required.map(JSONValue.string))])])
    }

    /// A `call_tool` result: one text item, which is also the model's tool message.
    public static func result(_ text: String, isError: Bool = false, structured: JSONValue? = nil) -> JSONValue {
        var object: [String: JSONValue] = [
            "content": .array([.object(["type": .string("text"), "text": .string(text)])]),
            "is_error": .bool(isError), "tool_message": .string(text),
        ]
        if let structured { object["structured_content"] = structured }
        return .object(object)
    }
}
