/// Writes `ConfigNode`s back as YAML that `YAMLParser` reads to the same values: block mappings,
/// lists in flow (JSON) style, strings plain when that is unambiguous and double-quoted otherwise.
/// Comments and anchors are not kept. Pure.
enum YAMLWriter {
    /// The mapping's entries as block YAML lines (a non-mapping is written as one value).
    static func write(_ node: ConfigNode, indent: Int = 0) -> String {
        guard case .mapping(let entries) = node.value, !entries.isEmpty else { return inline(node) + "\n" }
        let pad = String(repeating: " ", count: indent)
        var text = ""
        for entry in entries {
            if case .mapping(let inner) = entry.value.value, !inner.isEmpty {
                text += "\(pad)\(key(entry.key)):\n" + write(entry.value, indent: indent + 2)
            } else {
                text += "\(pad)\(key(entry.key)): \(inline(entry.value))\n"
            }
        }
        return text
    }

    /// One value on one line.
    static func inline(_ node: ConfigNode) -> String {
        switch node.value {
        case .mapping(let entries) where entries.isEmpty: return "{}"
        case .scalar(let text, _):
            if case .string = node.json, isSafePlain(text) { return text }
            return node.json.jsonText  // JSON's escapes are valid in YAML double-quoted strings
        default: return node.json.jsonText
        }
    }

    static func key(_ name: String) -> String { isSafePlain(name) ? name : JSONValue.string(name).jsonText }

    /// True when `text` reads back as the same string unquoted: starts with a letter, digit, `_` or
    /// `/`, uses only `[A-Za-z0-9_./@+:-]`, does not end with `:`, and is not a number, boolean or null.
    static func isSafePlain(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, !text.hasSuffix(":") else { return false }
        let allowed = { (c: Unicode.Scalar) in c.properties.isASCIIHexDigit || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || "_./@+:-".unicodeScalars.contains(c) }
        guard first == "_" || first == "/" || ("a"..."z").contains(first) || ("A"..."Z").contains(first) || ("0"..."9").contains(first),
              text.unicodeScalars.allSatisfy(allowed) else { return false }
        if case .string = ConfigNode.typedScalar(text) { return true }
        return false
    }
}
