/// A complete tool call requested by the model (`SB_EVENT_TOOL_CALL`).
public struct ToolCall: Equatable, Sendable {
    /// The call's position among the reply's tool calls (the provider's `index`).
    public var index: Int
    /// The provider's call id, or `call_<index>` when the provider sent none.
    public var id: String
    /// The tool's name; empty when the provider sent none (the caller reports an unknown tool).
    public var name: String
    /// The complete arguments as JSON text, exactly as the provider sent them; `{}` when it sent nothing.
    public var argumentsJSON: String

    /// A complete call; see the properties for what each field holds.
    public init(index: Int, id: String, name: String, argumentsJSON: String) {
        self.index = index
        self.id = id
        self.name = name
        self.argumentsJSON = argumentsJSON
    }
}
