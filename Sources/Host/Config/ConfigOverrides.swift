/// `--set key.path=value` overrides for one run, applied to the parsed document before validation.
/// The value is parsed as YAML, so `--set plugins.X.required=true` sets a boolean and
/// `--set active.tool_sources=[a,b]` a list.
public struct ConfigOverride: Sendable, Equatable {
    public var path: [String]
    public var valueText: String
    public var argument: String

    /// - Throws: `ConfigError` when the argument is not `key.path=value`.
    public init(parsing argument: String) throws(ConfigError) {
        let at = SourceLocation(file: "--set \(argument)", line: 1, column: 1)
        guard let equals = argument.firstIndex(of: "=") else {
            throw ConfigError(at, "expected key.path=value")
        }
        let path = argument[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigError(at, "the key path before '=' must be dot-separated names, like plugins.ExampleC.required")
        }
        self.path = path
        self.valueText = String(argument[argument.index(after: equals)...])
        self.argument = argument
    }

    /// Returns `root` with this override applied, creating intermediate mappings as needed.
    func apply(to root: ConfigNode) throws(ConfigError) -> ConfigNode {
        let file = "--set \(argument)"
        let valueColumn = argument.distance(from: argument.startIndex, to: argument.firstIndex(of: "=")!) + 2
        let value = try YAMLParser.parse(valueText, file: file).map {
            var node = $0
            node.location = SourceLocation(file: file, line: 1, column: valueColumn)
            return node
        } ?? ConfigNode(.scalar("", plain: true), at: SourceLocation(file: file, line: 1, column: valueColumn))
        return try Self.set(value, at: path[...], in: root, file: file)
    }

    static func set(_ value: ConfigNode, at path: ArraySlice<String>, in node: ConfigNode, file: String) throws(ConfigError) -> ConfigNode {
        guard let key = path.first else { return value }
        var entries: [ConfigNode.Entry]
        switch node.value {
        case .mapping(let existing): entries = existing
        case .scalar(let text, true) where ConfigNode.typedScalar(text) == .null: entries = []
        default: throw ConfigError(value.location, "cannot set '\(key)': the value it belongs to is \(node.typeName), not a mapping")
        }
        let here = SourceLocation(file: file, line: 1, column: 1)
        if let index = entries.lastIndex(where: { $0.key == key }) {
            entries[index].value = try set(value, at: path.dropFirst(), in: entries[index].value, file: file)
        } else {
            let empty = ConfigNode(.mapping([]), at: here)
            entries.append(.init(key: key, keyLocation: here, value: try set(value, at: path.dropFirst(), in: empty, file: file)))
        }
        return ConfigNode(.mapping(entries), at: node.location)
    }
}
