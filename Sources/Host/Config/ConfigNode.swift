/// A parsed YAML (or JSON) value that remembers where each part was written, so that every
/// validation message can point at `file:line:col`.
public struct ConfigNode: Sendable {
    public struct Entry: Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: ConfigNode
    }

    public enum Value: Sendable {
        case mapping([Entry])
        case sequence([ConfigNode])
        /// `plain` is false for quoted and block scalars, which are always strings.
        case scalar(String, plain: Bool)
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, at location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var entries: [Entry]? { if case .mapping(let e) = value { return e } else { return nil } }

    public subscript(key: String) -> ConfigNode? { entries?.last(where: { $0.key == key })?.value }

    /// What a user would call this value's type in an error message.
    public var typeName: String {
        switch value {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar:
            switch json {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int, .double: return "a number"
            default: return "a string"
            }
        }
    }

    /// The value as JSON. Plain scalars are typed as YAML 1.2's core schema types them
    /// (null, booleans, integers, floats); quoted scalars stay strings.
    public var json: JSONValue {
        switch value {
        case .mapping(let entries):
            return .object(Dictionary(entries.map { ($0.key, $0.value.json) }, uniquingKeysWith: { _, last in last }))
        case .sequence(let items):
            return .array(items.map(\.json))
        case .scalar(let text, let plain):
            return plain ? ConfigNode.typedScalar(text) : .string(text)
        }
    }

    static func typedScalar(_ text: String) -> JSONValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        default: break
        }
        if let int = Int64(text) { return .int(int) }
        if text.hasPrefix("0x"), let int = Int64(text.dropFirst(2), radix: 16) { return .int(int) }
        if text.hasPrefix("0o"), let int = Int64(text.dropFirst(2), radix: 8) { return .int(int) }
        let numeric = text.allSatisfy { "0123456789+-.eE".contains($0) } && text.contains(where: \.isNumber)
        if numeric, let double = Double(text) { return .double(double) }
        return .string(text)
    }
}
