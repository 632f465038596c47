import JSONSupport

/// Reads typed fields out of a JSON object and collects every problem (not just the first),
/// named by dotted path, for the `validation_errors` of an error frame. `null` counts as absent.
struct FieldReader {
    let object: [String: JSONValue]
    let prefix: String
    var issues: [ClientError.ValidationIssue] = []

    init(_ object: [String: JSONValue], prefix: String = "") {
        self.object = object
        self.prefix = prefix
    }

    func path(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }

    private func value(_ key: String) -> JSONValue? {
        switch object[key] {
        case nil, .null?: return nil
        case let value?: return value
        }
    }

    mutating func string(_ key: String, required: Bool = false, nonEmpty: Bool = false, maxLength: Int = 1 << 20) -> String? {
        guard let value = value(key) else {
            if required { issues.append(.missing(path(key))) }
            return nil
        }
        guard case .string(let text) = value else {
            issues.append(.type(path(key), "a string"))
            return nil
        }
        if nonEmpty && text.isEmpty {
            issues.append(.value(path(key), "must not be empty"))
            return nil
        }
        if text.utf8.count > maxLength {
            issues.append(.value(path(key), "must be at most \(maxLength) bytes"))
            return nil
        }
        return text
    }

    mutating func integer(_ key: String, required: Bool = false, in range: ClosedRange<Int64>) -> Int64? {
        guard let value = value(key) else {
            if required { issues.append(.missing(path(key))) }
            return nil
        }
        guard case .int(let number) = value else {
            issues.append(.type(path(key), "an integer"))
            return nil
        }
        guard range.contains(number) else {
            issues.append(.value(path(key), "must be between \(range.lowerBound) and \(range.upperBound)"))
            return nil
        }
        return number
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else {
            issues.append(.type(path(key), "a boolean"))
            return nil
        }
        return flag
    }

    mutating func object(_ key: String) -> [String: JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .object(let members) = value else {
            issues.append(.type(path(key), "an object"))
            return nil
        }
        return members
    }

    /// An object whose values are all strings (prompt arguments).
    mutating func stringMap(_ key: String) -> [String: JSONValue]? {
        guard let members = object(key) else { return nil }
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            guard case .string = value else {
                issues.append(.type(path(key) + "." + name, "a string"))
                return nil
            }
        }
        return members
    }
}
