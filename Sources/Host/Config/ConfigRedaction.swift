/// Hides secrets in configuration values that leave the host (config_get, `switchboard config get`).
///
/// A string written `env:NAME` is shown as written: it names a variable, not its value. Any
/// other value under a key that names a secret (`api_key`, `token`, `secret`, `password`,
/// `authorization`, `key` (a client API key in a transport's `api_keys`), or one ending in
/// `_api_key`, `_token`, `_secret`, `_password`) is replaced.
public enum ConfigRedaction {
    public static let placeholder = "<redacted>"
    static let secretNames = ["api_key", "token", "secret", "password", "access_key", "private_key"]

    public static func isSecret(key: String) -> Bool {
        let name = key.lowercased()
        return name == "authorization" || name == "key" || secretNames.contains { name == $0 || name.hasSuffix("_" + $0) }
    }

    /// `value` with every secret replaced; `key` is the name it is stored under, if any.
    public static func redact(_ value: JSONValue, key: String? = nil) -> JSONValue {
        switch value {
        case .object(let members):
            return .object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, redact($0.value, key: $0.key)) }))
        case .array(let items):
            return .array(items.map { redact($0, key: key) })
        case .string(let text) where text.hasPrefix("env:"):
            return value
        case .null:
            return value
        default:
            return key.map(isSecret(key:)) == true ? .string(placeholder) : value
        }
    }
}
