import Foundation
import JSONSupport

/// One server from servers_config.json (`{"mcpServers": {name: {...}}}`): a command to run on
/// stdio, or a Streamable HTTP URL. Keys starting with `_` are comments.
///
/// The host's `switchboard check` validates the file with positions; this reader is what the
/// plugin runs on, so it is lenient across servers: one malformed entry becomes a definition
/// with `problem` set (reported as down with that message), never a failure of the others.
public struct ServerDefinition: Sendable, Equatable {
    public enum Endpoint: Sendable, Equatable {
        case stdio(command: String, args: [String], cwd: String?, env: [String: String])
        case http(url: String, headers: [String: String])
    }

    public var name: String
    public var endpoint: Endpoint
    public var enabled: Bool
    /// Per-request timeout for this server (seconds), overriding the plugin's default.
    public var timeout: Double?
    public var description: String?
    /// Why this entry cannot be used, if it cannot.
    public var problem: String?

    public var transportName: String {
        if case .http = endpoint { return "http" }
        return "stdio"
    }

    static let keys: Set<String> = ["command", "args", "cwd", "env", "enabled", "url", "headers", "timeout", "description"]

    /// Reads servers_config.json. A missing file means no servers.
    /// - Throws: `MCPError` (`.invalidConfig`) when the file is unreadable or not the expected JSON shape.
    public static func load(path: String) throws(MCPError) -> [ServerDefinition] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidConfig("\(path): cannot read the file") }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(String(decoding: data, as: UTF8.self), file: path, baseDirectory: directory)
    }

    /// - Parameter baseDirectory: what a relative `cwd` is relative to (the file's folder).
    public static func parse(_ text: String, file: String, baseDirectory: String) throws(MCPError) -> [ServerDefinition] {
        guard let root = try? JSONValue.parse(text) else { throw .invalidConfig("\(file): not valid JSON (run `switchboard check` for the position)") }
        guard case .object(let servers)? = root["mcpServers"] else {
            throw .invalidConfig("\(file): missing \"mcpServers\": the file must be {\"mcpServers\": {\"name\": {...}}}")
        }
        return servers.keys.sorted().map { name in
            guard let fields = servers[name]?.members else {
                return broken(name, "server '\(name)' must be an object")
            }
            do throws(MCPError) { return try definition(name, fields, baseDirectory: baseDirectory) } catch {
                return broken(name, error.message)
            }
        }
    }

    private static func definition(_ name: String, _ fields: [String: JSONValue], baseDirectory: String) throws(MCPError) -> ServerDefinition {
        let what = "server '\(name)'"
        if let unknown = fields.keys.sorted().first(where: { !keys.contains($0) && !$0.hasPrefix("_") }) {
            throw .invalidConfig("\(what): unknown key '\(unknown)' (expected one of: \(keys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws(MCPError) -> String? {
            guard let value = fields[key], value != .null else { return nil }
            guard let text = value.stringValue, !text.isEmpty else { throw .invalidConfig("\(what): \"\(key)\" must be a non-empty string") }
            return text
        }
        func strings(_ key: String) throws(MCPError) -> [String: String] {
            guard let value = fields[key], value != .null else { return [:] }
            guard let object = value.members else { throw .invalidConfig("\(what): \"\(key)\" must be an object of strings") }
            var result: [String: String] = [:]
            for (entry, item) in object {
                guard let text = item.stringValue else { throw .invalidConfig("\(what): \"\(key)\" \"\(entry)\" must be a string") }
                result[entry] = text
            }
            return result
        }
        var enabled = true
        if let value = fields["enabled"], value != .null {
            guard let flag = value.flag else { throw .invalidConfig("\(what): \"enabled\" must be true or false") }
            enabled = flag
        }
        var timeout: Double?
        if let value = fields["timeout"], value != .null {
            guard let seconds = value.number, seconds > 0, seconds.isFinite else { throw .invalidConfig("\(what): \"timeout\" must be a number of seconds greater than 0") }
            timeout = seconds
        }
        let command = try string("command"), url = try string("url")
        let endpoint: Endpoint
        switch (command, url) {
        case (let command?, nil):
            var args: [String] = []
            if let value = fields["args"], value != .null {
                guard let items = value.elements, items.allSatisfy({ $0.stringValue != nil }) else {
                    throw .invalidConfig("\(what): \"args\" must be a list of strings")
                }
                args = items.compactMap(\.stringValue)
            }
            let cwd = try string("cwd").map { $0.hasPrefix("/") ? $0 : baseDirectory + "/" + $0 }
            endpoint = .stdio(command: command, args: args, cwd: cwd, env: try strings("env"))
        case (nil, let url?):
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw .invalidConfig("\(what): \"url\" must be an http:// or https:// URL") }
            endpoint = .http(url: url, headers: try strings("headers"))
        default:
            throw .invalidConfig("\(what) needs exactly one of \"command\" (stdio) or \"url\" (Streamable HTTP)")
        }
        return ServerDefinition(name: name, endpoint: endpoint, enabled: enabled, timeout: timeout,
                                description: try string("description"), problem: nil)
    }

    private static func broken(_ name: String, _ problem: String) -> ServerDefinition {
        ServerDefinition(name: name, endpoint: .stdio(command: "", args: [], cwd: nil, env: [:]), enabled: true,
                         timeout: nil, description: nil, problem: problem)
    }
}
