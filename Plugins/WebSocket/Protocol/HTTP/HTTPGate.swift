/// What the transport read of an HTTP request before its body: method, path, query and the
/// headers the API looks at (names lowercased).
public struct HTTPRequestHead: Sendable {
    public var method: String
    public var path: String
    public var headers: [String: String]
    /// The query parameters the API reads (`limit`, `cursor`, `messages_limit`, `source`, `token`).
    public var query: [String: String]
    public var clientIP: String

    public init(method: String, path: String, headers: [String: String] = [:], query: [String: String] = [:], clientIP: String = "") {
        (self.method, self.path, self.headers, self.query, self.clientIP) = (method, path, headers, query, clientIP)
    }

    /// The `token` query parameter, if any.
    public var tokenParameter: String? { query["token"].flatMap { $0.isEmpty ? nil : $0 } }

    public func header(_ name: String) -> String? { headers[name] }
}

/// Decides what happens to an HTTP request before its body is read: which route, whose it is
/// (the API key's owner), and the refusals that need no host (404, 405, 401, 403, 413). Rate
/// limits come after (`RateLimiter`). Pure.
///
/// Admin routes need `X-Admin-Token` (compared in constant time); without a configured token
/// they do not exist (404). `GET /health` needs nothing; every other route needs an API key
/// when keys are configured (`/metrics` also takes the admin token).
public struct HTTPGate: Sendable {
    public enum Admission: Sendable {
        case reply(HTTPReply)
        /// Go on: `owner` is who the host ops act for; `keyOwner` the API key's owner (nil without keys).
        case proceed(route: HTTPRoute, owner: String, keyOwner: String?)
    }

    public let apiKeys: [WebSocketConfig.APIKey]
    public let settings: HTTPSettings

    public init(config: WebSocketConfig) {
        apiKeys = config.apiKeys
        settings = config.http
    }

    /// The owner the admin API's host ops run as.
    public static let adminOwner = "admin"

    public func admit(_ head: HTTPRequestHead) -> Admission {
        let route: HTTPRoute
        switch HTTPRoute.match(method: head.method, path: head.path) {
        case .success(let matched): route = matched
        case .failure(let reply): return .reply(reply)
        }
        if route == .preflight { return .reply(preflight(head)) }
        if route == .metrics, !settings.metrics { return .reply(.error(404, "not_found", "metrics are turned off")) }
        let adminOK = adminTokenMatches(head)
        if route.isAdmin {
            guard settings.adminToken != nil else { return .reply(.error(404, "not_found", "the admin API is disabled (no admin_token configured)")) }
            guard head.header("x-admin-token") != nil else { return .reply(.error(401, "unauthorized", "the X-Admin-Token header is required")) }
            guard adminOK else { return .reply(.error(403, "forbidden", "wrong admin token")) }
            return .proceed(route: route, owner: Self.adminOwner, keyOwner: nil)
        }
        var keyOwner: String?
        if !apiKeys.isEmpty, route != .health {
            if let owner = matchKey(head) {
                keyOwner = owner
            } else if !(route == .metrics && adminOK) {
                return .reply(.error(401, "unauthorized", "a valid API key is required (Authorization: Bearer KEY, or ?token=KEY)",
                                     headers: [("WWW-Authenticate", "Bearer")]))
            }
        }
        if route.takesBody, let length = head.header("content-length").flatMap({ Int($0) }), length > settings.maxBodyBytes {
            return .reply(Self.bodyTooLarge(settings.maxBodyBytes))
        }
        return .proceed(route: route, owner: keyOwner ?? WebSocketConfig.defaultOwner, keyOwner: keyOwner)
    }

    public static func bodyTooLarge(_ limit: Int) -> HTTPReply {
        .error(413, "payload_too_large", "the request body is larger than \(limit) bytes")
    }

    /// CORS headers for a request from `origin` (none when it is not configured or allowed).
    public func corsHeaders(origin: String?) -> [(String, String)] {
        guard let origin, let allowed = settings.corsOrigins else { return [] }
        guard allowed.contains("*") || allowed.contains(origin.lowercased()) else { return [] }
        return [("Access-Control-Allow-Origin", allowed.contains("*") ? "*" : origin), ("Vary", "Origin"),
                ("Access-Control-Expose-Headers", "X-Request-ID, Retry-After")]
    }

    private func preflight(_ head: HTTPRequestHead) -> HTTPReply {
        var headers = corsHeaders(origin: head.header("origin"))
        if !headers.isEmpty {
            headers += [("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
                        ("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Admin-Token, X-Request-ID, Idempotency-Key, Accept"),
                        ("Access-Control-Max-Age", "600")]
        }
        return HTTPReply(status: 204, headers: headers, body: [])
    }

    private func adminTokenMatches(_ head: HTTPRequestHead) -> Bool {
        guard let token = settings.adminToken, let presented = head.header("x-admin-token") else { return false }
        return HandshakePolicy.constantTimeEquals(token, presented)
    }

    private func matchKey(_ head: HTTPRequestHead) -> String? {
        guard let presented = HandshakePolicy.bearer(head.header("authorization")) ?? head.tokenParameter else { return nil }
        var owner: String?
        for candidate in apiKeys where HandshakePolicy.constantTimeEquals(candidate.key, presented) { owner = candidate.owner }
        return owner
    }
}
