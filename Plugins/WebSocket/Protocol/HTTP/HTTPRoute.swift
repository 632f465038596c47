/// Where an HTTP request goes: the sessions API, health, metrics and the admin API
/// (docs/HTTP.md). Pure.
public enum HTTPRoute: Sendable, Equatable {
    case health, metrics
    case createSession, listSessions, getSession(String), deleteSession(String), postMessage(String)
    case adminConfig, adminConfigGet(String), adminConfigSet(String), adminConfigUnset(String), adminConfigReset
    case adminBypassList, adminBypassAdd, adminBypassRemove(String), adminServers, adminRestart(String)
    /// A CORS preflight (OPTIONS) for any known path.
    case preflight

    /// Admin routes: authorized by X-Admin-Token, never by an API key.
    public var isAdmin: Bool {
        switch self {
        case .adminConfig, .adminConfigGet, .adminConfigSet, .adminConfigUnset, .adminConfigReset,
             .adminBypassList, .adminBypassAdd, .adminBypassRemove, .adminServers, .adminRestart: return true
        default: return false
        }
    }

    /// A name for metrics labels (no ids in it).
    public var label: String {
        switch self {
        case .health: return "health"
        case .metrics: return "metrics"
        case .createSession: return "create_session"
        case .listSessions: return "list_sessions"
        case .getSession: return "get_session"
        case .deleteSession: return "delete_session"
        case .postMessage: return "post_message"
        case .adminConfig, .adminConfigGet, .adminConfigSet, .adminConfigUnset, .adminConfigReset: return "admin_config"
        case .adminBypassList, .adminBypassAdd, .adminBypassRemove: return "admin_bypass"
        case .adminServers, .adminRestart: return "admin_servers"
        case .preflight: return "preflight"
        }
    }

    /// Whether the route reads a request body (POST).
    public var takesBody: Bool {
        switch self {
        case .createSession, .postMessage, .adminBypassAdd, .adminConfigSet: return true
        default: return false
        }
    }

    /// - Returns: the route, or the 404 / 405 error reply.
    public static func match(method: String, path: String) -> Result<HTTPRoute, HTTPReply> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Self.percentDecoded($0) }
        let allowed: [String: HTTPRoute]
        switch parts.count {
        case 1 where parts[0] == "health": allowed = ["GET": .health]
        case 1 where parts[0] == "metrics": allowed = ["GET": .metrics]
        case 1 where parts[0] == "sessions": allowed = ["GET": .listSessions, "POST": .createSession]
        case 2 where parts[0] == "sessions": allowed = ["GET": .getSession(parts[1]), "DELETE": .deleteSession(parts[1])]
        case 3 where parts[0] == "sessions" && parts[2] == "messages": allowed = ["POST": .postMessage(parts[1])]
        case 2 where parts[0] == "admin" && (parts[1] == "config" || parts[1] == "runtime"): allowed = ["GET": .adminConfig, "DELETE": .adminConfigReset]
        case 3 where parts[0] == "admin" && parts[1] == "config":
            allowed = ["GET": .adminConfigGet(parts[2]), "PUT": .adminConfigSet(parts[2]), "DELETE": .adminConfigUnset(parts[2])]
        case 2 where parts[0] == "admin" && parts[1] == "bypass": allowed = ["GET": .adminBypassList, "POST": .adminBypassAdd]
        case 3 where parts[0] == "admin" && parts[1] == "bypass": allowed = ["DELETE": .adminBypassRemove(parts[2])]
        case 2 where parts[0] == "admin" && parts[1] == "servers": allowed = ["GET": .adminServers]
        case 4 where parts[0] == "admin" && parts[1] == "servers" && parts[3] == "restart": allowed = ["POST": .adminRestart(parts[2])]
        default:
            return .failure(.error(404, "not_found", "no such endpoint: \(path.prefix(200))"))
        }
        if method == "OPTIONS" { return .success(.preflight) }
        guard let route = allowed[method] else {
            let methods = allowed.keys.sorted().joined(separator: ", ")
            return .failure(.error(405, "method_not_allowed", "\(method) is not allowed here (allowed: \(methods))", headers: [("Allow", methods)]))
        }
        return .success(route)
    }

    /// `%XX` escapes decoded (invalid ones kept as they are).
    static func percentDecoded(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
