/// A tool or prompt of one server: where a call for an exposed name goes.
public struct Route: Hashable, Sendable {
    public var server: String
    public var name: String

    public init(server: String, name: String) { (self.server, self.name) = (server, name) }
}

/// Names given to the model: unique across servers and valid under every provider's rules.
///
/// OpenAI and Anthropic accept `^[a-zA-Z0-9_-]{1,64}$`; Gemini also wants a letter or `_`
/// first. So each name is sanitized to `[A-Za-z_][A-Za-z0-9_-]{0,63}` (other characters become
/// `_`, a name starting otherwise gets `tool_` in front). A name that two servers share is
/// prefixed with each server's (sanitized) name, `server_name`, for both of them, so the result
/// does not depend on which server connected first. A name still too long is cut and given a
/// hash of the original, and any remaining clash gets `_2`, `_3`, ... in sorted order.
/// Pure and deterministic.
public enum ToolNaming {
    public static let maxLength = 64

    /// Assigns every (server, name) an exposed name.
    public static func assign(_ routes: [Route]) -> [Route: String] {
        let ordered = Set(routes).sorted { ($0.server, $0.name) < ($1.server, $1.name) }
        var serversByBase: [String: Set<String>] = [:]
        for route in ordered { serversByBase[sanitize(route.name), default: []].insert(route.server) }
        var assigned: [Route: String] = [:]
        var taken = Set<String>()
        for route in ordered {
            let base = sanitize(route.name)
            var candidate = (serversByBase[base]?.count ?? 0) > 1 ? sanitize(route.server + "_" + route.name) : base
            candidate = fit(candidate, original: route.server + "/" + route.name)
            var exposed = candidate
            var counter = 2
            while taken.contains(exposed) {
                let suffix = "_\(counter)"
                exposed = String(candidate.prefix(maxLength - suffix.count)) + suffix
                counter += 1
            }
            taken.insert(exposed)
            assigned[route] = exposed
        }
        return assigned
    }

    /// `[A-Za-z_][A-Za-z0-9_-]*`, at most 64 characters; never empty.
    public static func sanitize(_ name: String) -> String {
        var result = String(name.unicodeScalars.map { scalar -> Character in
            let allowed = (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "_" || scalar == "-"
            return allowed ? Character(scalar) : "_"
        })
        if result.isEmpty { result = "tool" }
        if let first = result.unicodeScalars.first, !(first == "_" || first.properties.isAlphabetic) { result = "tool_" + result }
        return fit(result, original: name)
    }

    /// Cuts a long name to 64 characters, ending with 8 hex digits of a hash of `original`.
    static func fit(_ name: String, original: String) -> String {
        guard name.count > maxLength else { return name }
        return String(name.prefix(maxLength - 9)) + "_" + fnv1a(original)
    }

    /// FNV-1a, 32 bits, as 8 hex digits: stable across runs (Swift's Hasher is seeded per process).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
