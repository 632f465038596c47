import JSONSupport

/// The HTTP API's part of the transport's config block (docs/HTTP.md):
///
/// ```yaml
/// admin_token: env:SB_ADMIN_TOKEN   # X-Admin-Token for /admin/*; none: the admin API answers 404
/// metrics: true                     # GET /metrics; false: 404
/// cors_origins: []                  # origins that get CORS headers ("*": any); none: no CORS headers
/// max_body_bytes: 1048576           # request bodies; larger: 413
/// max_header_bytes: 8192            # all request headers together (libwebsockets' header buffer)
/// rate_limits:
///   per_ip: {rps: 0, burst: 0}      # requests a second per client address; 0 = no limit
///   per_key: {rps: 0, burst: 0, tokens_per_minute: 0, daily_tokens: 0}
///   bypass: []                      # client addresses never limited (the admin API edits the list)
/// ```
public struct HTTPSettings: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        /// Tokens added a second; 0 = no limit.
        public var rps: Double = 0
        /// The bucket's size; 0 means max(1, rps).
        public var burst: Double = 0

        public init(rps: Double = 0, burst: Double = 0) { (self.rps, self.burst) = (rps, burst) }
        public var isLimited: Bool { rps > 0 }
        public var capacity: Double { burst > 0 ? burst : max(1, rps) }
    }

    public struct RateLimits: Sendable, Equatable {
        public var perIP = Bucket()
        public var perKey = Bucket()
        /// Model tokens (`usage.total_tokens` of finished turns) per API key: a sliding minute and a UTC day; 0 = no limit.
        public var tokensPerMinute = 0
        public var dailyTokens = 0
        public var bypass: Set<String> = []

        public init() {}
    }

    public var adminToken: String?
    public var metrics = true
    /// nil: no CORS headers at all; contains "*": any origin.
    public var corsOrigins: Set<String>? = nil
    public var maxBodyBytes = 1 << 20
    public var maxHeaderBytes = 8192
    public var rateLimits = RateLimits()

    static let keys: Set<String> = ["admin_token", "metrics", "cors_origins", "max_body_bytes", "max_header_bytes", "rate_limits"]

    public init() {}

    init(reader: ConfigReader) throws(WebSocketError) {
        if let token = reader.value("admin_token") {
            guard case .string(let text) = token else { throw .invalidConfig("admin_token must be a string") }
            adminToken = text.isEmpty ? nil : text  // an unset env: variable resolves to "": the admin API stays off
        }
        metrics = try reader.bool("metrics") ?? metrics
        if let origins = try reader.strings("cors_origins") {
            corsOrigins = origins.isEmpty ? nil : Set(origins.map { $0.lowercased() })
        }
        maxBodyBytes = try reader.integer("max_body_bytes", in: 64...(1 << 30)) ?? maxBodyBytes
        maxHeaderBytes = try reader.integer("max_header_bytes", in: 1024...65535) ?? maxHeaderBytes
        if let limits = try reader.object("rate_limits") {
            try Self.check(limits, known: ["per_ip", "per_key", "bypass"], prefix: "rate_limits.")
            let limitsReader = ConfigReader(block: limits, prefix: "rate_limits.")
            if let ip = try limitsReader.object("per_ip") {
                try Self.check(ip, known: ["rps", "burst"], prefix: "rate_limits.per_ip.")
                rateLimits.perIP = try Self.bucket(ConfigReader(block: ip, prefix: "rate_limits.per_ip."))
            }
            if let key = try limitsReader.object("per_key") {
                try Self.check(key, known: ["rps", "burst", "tokens_per_minute", "daily_tokens"], prefix: "rate_limits.per_key.")
                let keyReader = ConfigReader(block: key, prefix: "rate_limits.per_key.")
                rateLimits.perKey = try Self.bucket(keyReader)
                rateLimits.tokensPerMinute = try keyReader.integer("tokens_per_minute", in: 0...Int(Int32.max)) ?? 0
                rateLimits.dailyTokens = try keyReader.integer("daily_tokens", in: 0...Int(Int64(1) << 50)) ?? 0
            }
            rateLimits.bypass = Set(try limitsReader.strings("bypass") ?? [])
        }
    }

    private static func bucket(_ reader: ConfigReader) throws(WebSocketError) -> Bucket {
        Bucket(rps: try reader.number("rps", in: 0...1_000_000) ?? 0, burst: try reader.number("burst", in: 0...10_000_000) ?? 0)
    }

    private static func check(_ block: [String: JSONValue], known: Set<String>, prefix: String) throws(WebSocketError) {
        if let unknown = block.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidConfig("unknown key '\(prefix)\(unknown)' (expected \(known.sorted().joined(separator: ", ")))")
        }
    }
}
