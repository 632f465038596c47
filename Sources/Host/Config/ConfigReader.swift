/// Reads typed values out of `ConfigNode`s, collecting a diagnostic for every problem instead of
/// stopping at the first, so `switchboard check` can list them all.
struct ConfigReader {
    var diagnostics: [ConfigDiagnostic] = []

    mutating func fail(_ node: ConfigNode, _ message: String) {
        diagnostics.append(ConfigDiagnostic(node.location, message))
    }

    mutating func fail(_ location: SourceLocation, _ message: String) {
        diagnostics.append(ConfigDiagnostic(location, message))
    }

    /// The node's entries, or a diagnostic when it is not a mapping. Unknown keys are reported.
    mutating func mapping(_ node: ConfigNode, _ what: String, allowed: Set<String>? = nil) -> [ConfigNode.Entry]? {
        guard let entries = node.entries else {
            fail(node, "\(what) must be a mapping, found \(node.typeName)")
            return nil
        }
        if let allowed {
            for entry in entries where !allowed.contains(entry.key) {
                fail(entry.keyLocation, "unknown key '\(entry.key)' in \(what) (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.key).inserted {
            fail(entry.keyLocation, "duplicate key '\(entry.key)' in \(what)")
        }
        return entries
    }

    mutating func string(_ node: ConfigNode, _ what: String) -> String? {
        guard case .scalar(let text, _) = node.value, case .string = node.json else {
            fail(node, "\(what) must be a string, found \(node.typeName)")
            return nil
        }
        return text
    }

    mutating func bool(_ node: ConfigNode, _ what: String) -> Bool? {
        guard case .bool(let value) = node.json, case .scalar = node.value else {
            fail(node, "\(what) must be true or false, found \(node.typeName)")
            return nil
        }
        return value
    }

    mutating func stringList(_ node: ConfigNode, _ what: String) -> [String]? {
        if case .scalar = node.value, let single = string(node, what) { return [single] }
        guard case .sequence(let items) = node.value else {
            if case .mapping = node.value { fail(node, "\(what) must be a list of strings, found a mapping") }
            return nil
        }
        return items.compactMap { string($0, "each entry of \(what)") }
    }

    /// An integer within `range`, or a diagnostic naming the range.
    mutating func int(_ node: ConfigNode, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar = node.value, case .int(let value) = node.json, range.contains(Int(value)) else {
            fail(node, "\(what) must be an integer from \(range.lowerBound) to \(range.upperBound), found \(node.typeName == "a number" ? "'\(node.json.jsonText)'" : node.typeName)")
            return nil
        }
        return Int(value)
    }

    /// A number (integer or decimal) within `range`.
    mutating func number(_ node: ConfigNode, _ what: String, in range: ClosedRange<Double>) -> Double? {
        let value: Double?
        switch node.json {
        case .int(let int): value = Double(int)
        case .double(let double): value = double
        default: value = nil
        }
        guard case .scalar = node.value, let value, range.contains(value) else {
            fail(node, "\(what) must be a number from \(range.lowerBound) to \(range.upperBound), found \(node.typeName == "a number" ? "'\(node.json.jsonText)'" : node.typeName)")
            return nil
        }
        return value
    }
}
