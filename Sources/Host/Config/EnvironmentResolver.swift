/// Replaces string values written `env:NAME` with the environment variable NAME, so secrets such
/// as API keys live in the environment rather than in plugins.yaml.
public struct EnvironmentResolver: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    /// The node as JSON with every `env:NAME` string resolved.
    /// - Throws: `ConfigError` naming each missing variable at the place that uses it.
    public func resolve(_ node: ConfigNode) throws(ConfigError) -> JSONValue {
        var missing: [ConfigDiagnostic] = []
        let value = resolve(node, missing: &missing)
        if !missing.isEmpty { throw ConfigError(missing) }
        return value
    }

    private func resolve(_ node: ConfigNode, missing: inout [ConfigDiagnostic]) -> JSONValue {
        switch node.value {
        case .mapping(let entries):
            var object: [String: JSONValue] = [:]
            for entry in entries { object[entry.key] = resolve(entry.value, missing: &missing) }
            return .object(object)
        case .sequence(let items):
            return .array(items.map { resolve($0, missing: &missing) })
        case .scalar(let text, _):
            guard text.hasPrefix("env:") else { return node.json }
            let name = String(text.dropFirst(4))
            guard let value = environment[name] else {
                missing.append(ConfigDiagnostic(node.location, "environment variable \(name) is not set (the value is written env:\(name))"))
                return .null
            }
            return .string(value)
        }
    }
}
