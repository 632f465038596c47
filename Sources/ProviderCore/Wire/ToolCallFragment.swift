/// One element of `delta.tool_calls` (a fragment) or of `message.tool_calls` (a whole call).
struct ToolCallFragment: Equatable {
    var index: Int?
    var id: String?
    var name: String?
    /// A piece of the arguments' JSON text; the whole text when it arrived as an object.
    var arguments: String?

    /// Reads one tool call object; nil for `null` or a value of another type.
    static func read(from reader: inout JSONReader) throws -> ToolCallFragment? {
        var fragment = ToolCallFragment()
        let isObject = try reader.readObject { reader, key in
            switch key {
            case "index": fragment.index = try reader.readInt()
            case "id": fragment.id = try reader.readString()
            case "function":
                try reader.readObject { reader, key in
                    switch key {
                    case "name": fragment.name = try reader.readString()
                    case "arguments":
                        switch try reader.peekKind() {
                        case .object, .array: fragment.arguments = try reader.readRawJSON()
                        default: fragment.arguments = try reader.readString()
                        }
                    default: try reader.skipValue()
                    }
                }
            default: try reader.skipValue()
            }
        }
        return isObject ? fragment : nil
    }
}
