import Foundation

/// servers_config.json: the MCP servers, in the usual `{"mcpServers": {name: {...}}}` shape.
/// The host validates it for `switchboard check`; the MCP plugin reads it to start servers.
/// Keys starting with `_` (such as `_comment`) are comments; other top-level keys are ignored.
public enum ServersConfig {
    static let serverKeys: Set<String> = ["command", "args", "cwd", "env", "enabled", "url", "headers", "timeout", "description"]

    /// Validates the file, returning the names of the servers it defines.
    /// - Throws: `ConfigError` listing every problem as `file:line:col: message`.
    public static func validate(file: String) throws(ConfigError) -> [String] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw ConfigError(SourceLocation(file: file, line: 1, column: 1), "cannot read the file: \(HostConfig.reason(error))")
        }
        return try validate(String(decoding: data, as: UTF8.self), file: file)
    }

    public static func validate(_ text: String, file: String) throws(ConfigError) -> [String] {
        // Strict JSON first (YAML would accept more); then libyaml for positions of schema errors.
        do { _ = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            throw ConfigError(location(ofJSONError: error, in: text, file: file), "invalid JSON: \(describe(jsonError: error))")
        }
        guard let root = try YAMLParser.parse(text, file: file) else {
            throw ConfigError(SourceLocation(file: file, line: 1, column: 1), "the file is empty")
        }
        var reader = ConfigReader()
        guard let top = reader.mapping(root, "the servers file") else { throw ConfigError(reader.diagnostics) }
        guard let servers = top.first(where: { $0.key == "mcpServers" }) else {
            throw ConfigError(root.location, "missing \"mcpServers\": the file must be {\"mcpServers\": {\"name\": {...}}}")
        }
        var names: [String] = []
        for server in reader.mapping(servers.value, "mcpServers") ?? [] {
            names.append(server.key)
            let what = "server '\(server.key)'"
            let comments = Set((server.value.entries ?? []).map(\.key).filter { $0.hasPrefix("_") })
            guard let fields = reader.mapping(server.value, what, allowed: serverKeys.union(comments)) else { continue }
            let keys = Set(fields.map(\.key))
            if keys.contains("command") == keys.contains("url") {
                reader.fail(server.keyLocation, "\(what) needs exactly one of \"command\" (stdio) or \"url\" (Streamable HTTP)")
            }
            for field in fields {
                let name = "\(what): \"\(field.key)\""
                switch field.key {
                case "command", "cwd", "description": _ = reader.string(field.value, name)
                case "url":
                    if let url = reader.string(field.value, name), !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                        reader.fail(field.value, "\(name) must be an http:// or https:// URL, found '\(url)'")
                    }
                case "enabled": _ = reader.bool(field.value, name)
                case "timeout":
                    switch field.value.json {
                    case .int(let seconds) where seconds > 0: break
                    case .double(let seconds) where seconds > 0 && seconds.isFinite: break
                    default:
                        let found = if case .scalar(let text, _) = field.value.value { "'\(text)'" } else { field.value.typeName }
                        reader.fail(field.value, "\(name) must be a number of seconds greater than 0, found \(found)")
                    }
                case "args":
                    if case .sequence(let items) = field.value.value { items.forEach { _ = reader.string($0, "each entry of \(name)") } }
                    else { reader.fail(field.value, "\(name) must be a list of strings, found \(field.value.typeName)") }
                case "env", "headers":
                    for entry in reader.mapping(field.value, name) ?? [] { _ = reader.string(entry.value, "\(name) \"\(entry.key)\"") }
                default: break
                }
            }
        }
        if !reader.diagnostics.isEmpty { throw ConfigError(reader.diagnostics) }
        return names
    }

    /// JSONSerialization reports "around character N" (or "line L, column C"); turn it into a location.
    static func location(ofJSONError error: any Error, in text: String, file: String) -> SourceLocation {
        let message = describe(jsonError: error)
        let numbers = message.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        if message.contains("line"), numbers.count >= 2 { return SourceLocation(file: file, line: numbers[0], column: numbers[1]) }
        guard message.contains("character"), let offset = numbers.last else { return SourceLocation(file: file, line: 1, column: 1) }
        var line = 1, column = 1
        for byte in text.utf8.prefix(offset) {
            if byte == UInt8(ascii: "\n") { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    static func describe(jsonError error: any Error) -> String {
        (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
    }
}
