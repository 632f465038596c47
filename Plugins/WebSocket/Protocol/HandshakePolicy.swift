/// Decides whether an HTTP upgrade request may become a WebSocket connection, and whose it is.
/// Pure: the service thread reads the request's path and headers and acts on the decision.
///
/// In order: the path must be the endpoint (else 404); an `Origin` header must be allowed (else
/// 403; clients that send none, which browsers always do, pass); with API keys configured, a
/// key must come as `Authorization: Bearer KEY` or `?token=KEY` (else 401); and a place must be
/// free (else 503).
public struct HandshakePolicy: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Upgrade; the connection belongs to the owner of API key `keyIndex` (nil: the default owner).
        case accept(keyIndex: Int?)
        /// Answer the upgrade request with this HTTP status and close.
        case refuse(status: Int, message: String)
    }

    public let endpoint: String
    public let allowedOrigins: Set<String>?
    public let apiKeys: [WebSocketConfig.APIKey]
    public let maxConnections: Int

    public init(config: WebSocketConfig) {
        endpoint = config.endpoint
        allowedOrigins = config.allowedOrigins
        apiKeys = config.apiKeys
        maxConnections = config.maxConnections
    }

    /// - Parameters:
    ///   - path: the request path without its query.
    ///   - origin: the `Origin` header, nil when absent.
    ///   - authorization: the `Authorization` header, nil when absent.
    ///   - token: the `token` query parameter, nil when absent.
    ///   - connections: connections open now.
    public func decide(path: String, origin: String?, authorization: String?, token: String?, connections: Int) -> Decision {
        guard path == endpoint else { return .refuse(status: 404, message: "no WebSocket endpoint at this path") }
        if let origin, let allowedOrigins, !allowedOrigins.contains(origin.lowercased()) {
            return .refuse(status: 403, message: "origin not allowed")
        }
        var keyIndex: Int?
        if !apiKeys.isEmpty {
            guard let presented = Self.bearer(authorization) ?? token, let index = match(presented) else {
                return .refuse(status: 401, message: "a valid API key is required (Authorization: Bearer KEY, or ?token=KEY)")
            }
            keyIndex = index
        }
        guard connections < maxConnections else { return .refuse(status: 503, message: "too many connections") }
        return .accept(keyIndex: keyIndex)
    }

    /// The owner a decision's key index stands for.
    public func owner(keyIndex: Int?) -> String {
        guard let keyIndex, apiKeys.indices.contains(keyIndex) else { return WebSocketConfig.defaultOwner }
        return apiKeys[keyIndex].owner
    }

    /// The credentials of `Bearer KEY` (scheme case-insensitive), or nil.
    static func bearer(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.drop { $0 == " " }
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let key = trimmed.dropFirst(7).trimmingSpaces
        return key.isEmpty ? nil : String(key)
    }

    /// Compares the presented key with every configured key, each in time independent of where
    /// they differ, so response timing does not reveal a key's prefix.
    private func match(_ presented: String) -> Int? {
        var found: Int?
        for (index, candidate) in apiKeys.enumerated() where Self.constantTimeEquals(candidate.key, presented) {
            found = index
        }
        return found
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8), right = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: left.count ^ right.count)
        for index in 0..<max(left.count, right.count) {
            let x = index < left.count ? left[index] : 0
            let y = index < right.count ? right[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && left.count == right.count
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
