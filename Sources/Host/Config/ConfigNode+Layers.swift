/// Layering configuration documents: the runtime overrides file over plugins.yaml, and values
/// set at a dotted key path. Every node keeps the location it was written at, so an error in a
/// merged document still points at the file (and line and column) the bad value came from.
extension ConfigNode {
    /// This document with `overlay` deep-merged over it: mappings merge key by key (recursively),
    /// while scalars and lists in `overlay` replace what they overlay. Pure.
    public func merged(with overlay: ConfigNode) -> ConfigNode {
        guard case .mapping(var entries) = value, case .mapping(let overlayEntries) = overlay.value else { return overlay }
        for entry in overlayEntries {
            if let index = entries.lastIndex(where: { $0.key == entry.key }) {
                entries[index].value = entries[index].value.merged(with: entry.value)
            } else {
                entries.append(entry)
            }
        }
        return ConfigNode(.mapping(entries), at: location)
    }

    /// This document with `value` at `path`, creating intermediate mappings (located at `origin`).
    /// - Throws: `ConfigError` when a value on the path is not a mapping.
    public func setting(_ value: ConfigNode, at path: [String], origin: String) throws(ConfigError) -> ConfigNode {
        try ConfigOverride.set(value, at: path[...], in: self, file: origin)
    }

    /// This document without the value at `path`; mappings left empty by the removal go too.
    /// Returns nil when nothing was there.
    public func removing(_ path: [String]) -> ConfigNode? {
        guard let key = path.first, case .mapping(var entries) = value,
              let index = entries.lastIndex(where: { $0.key == key }) else { return nil }
        if path.count == 1 {
            entries.removeAll { $0.key == key }
        } else {
            guard let inner = entries[index].value.removing(Array(path.dropFirst())) else { return nil }
            if case .mapping(let left) = inner.value, left.isEmpty { entries.remove(at: index) } else { entries[index].value = inner }
        }
        return ConfigNode(.mapping(entries), at: location)
    }

    /// The node at a dotted path, or nil.
    public func node(at path: [String]) -> ConfigNode? {
        path.reduce(Optional(self)) { $0?[$1] }
    }

    /// A JSON value as a configuration node, every part located at `location`.
    public init(json: JSONValue, at location: SourceLocation) {
        switch json {
        case .object(let members):
            self.init(.mapping(members.keys.sorted().map { Entry(key: $0, keyLocation: location, value: ConfigNode(json: members[$0]!, at: location)) }),
                      at: location)
        case .array(let items):
            self.init(.sequence(items.map { ConfigNode(json: $0, at: location) }), at: location)
        case .string(let text):
            self.init(.scalar(text, plain: false), at: location)
        case .null:
            self.init(.scalar("null", plain: true), at: location)
        default:
            self.init(.scalar(json.jsonText, plain: true), at: location)
        }
    }

    /// Splits `a.b.c` into its names.
    /// - Throws: `ConfigError` (at `location`) for an empty key or an empty name between dots.
    public static func keyPath(_ key: String, at location: SourceLocation) throws(ConfigError) -> [String] {
        let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !key.isEmpty, path.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigError(location, "'\(key)' is not a key: use dot-separated names, like log.level or plugins.OpenAI.config.temperature")
        }
        return path
    }
}
