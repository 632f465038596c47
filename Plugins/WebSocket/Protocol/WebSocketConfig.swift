import JSONSupport

/// The transport's config block (plugins.yaml, `WebSocket: config:`), with the names of the
/// Python backends' `chat.websocket` section where one exists:
///
/// ```yaml
/// host: 127.0.0.1              # interface to bind (0.0.0.0: every interface)
/// port: 8000                   # 0: any free port (describe() reports it)
/// endpoint: /ws/chat           # the upgrade path; anything else is answered 404
/// max_message_size: 1048576    # bytes per client message; larger ones close with 1009
/// ping_interval: 20            # seconds between pings; 0 = never
/// ping_timeout: 10             # seconds more without a pong before the connection is dropped
/// allow_origins: ["*"]         # Origin headers allowed to upgrade ("*": any); no Origin header is always allowed
/// max_connections: 10000       # more are refused with 503
/// max_requests_per_connection: 16   # requests running at once per connection; more are answered 429
/// send_queue: {max_bytes: 1048576, max_frames: 8192, max_total_bytes: 268435456}   # see Outbox
/// api_keys: [{key: env:SB_KEY_ALICE, owner: alice}]   # none: every client is the owner "local"
/// legacy_complete: true        # also send {"status": "complete"} after "completed" (seed clients)
/// shutdown_grace: 1.0          # seconds to let clients take their close frames at shutdown
/// # the HTTP API on the same port (docs/HTTP.md): see `HTTPSettings`
/// admin_token: env:SB_ADMIN_TOKEN
/// metrics: true
/// cors_origins: []
/// max_body_bytes: 1048576
/// max_header_bytes: 8192
/// rate_limits: {per_ip: {rps, burst}, per_key: {rps, burst, tokens_per_minute, daily_tokens}, bypass: [ips]}
/// ```
/// Unknown keys are refused, so a misspelt setting does not silently keep its default.
public struct WebSocketConfig: Sendable, Equatable {
    public struct APIKey: Sendable, Equatable {
        public var key: String
        public var owner: String

        public init(key: String, owner: String) {
            (self.key, self.owner) = (key, owner)
        }
    }

    public var host = "127.0.0.1"
    public var port = 8000
    public var endpoint = "/ws/chat"
    public var maxMessageSize = 1 << 20
    /// Whole seconds (libwebsockets' resolution); 0 disables pings.
    public var pingInterval = 20
    public var pingTimeout = 10
    /// nil: any origin.
    public var allowedOrigins: Set<String>? = nil
    public var maxConnections = 10_000
    public var maxRequestsPerConnection = 16
    public var sendQueue = Outbox.Limits(maxBytes: 1 << 20, maxFrames: 8192)
    public var maxTotalQueuedBytes = 256 << 20
    public var apiKeys: [APIKey] = []
    public var legacyComplete = true
    public var shutdownGrace = 1.0
    /// The HTTP API's settings (admin token, metrics, CORS, size and rate limits).
    public var http = HTTPSettings()

    /// The owner of every client when no API keys are configured.
    public static let defaultOwner = "local"

    /// The WebSocket keys; `keys` adds the HTTP API's (`HTTPSettings`), listed after them in messages.
    static let webSocketKeys: Set<String> = ["host", "port", "endpoint", "max_message_size", "ping_interval", "ping_timeout",
                                    "allow_origins", "allowed_origins", "max_connections", "max_requests_per_connection",
                                    "send_queue", "api_keys", "legacy_complete", "shutdown_grace"]
    static let keys = webSocketKeys.union(HTTPSettings.keys)

    public init() {}

    /// Parses and validates a config block. - Throws: `WebSocketError.invalidConfig` naming the key.
    public init(json: String) throws(WebSocketError) {
        guard let root = try? JSONValue.parse(json), case .object(let block) = root else {
            throw .invalidConfig("the config block must be a JSON object")
        }
        if let unknown = block.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw .invalidConfig("unknown key '\(unknown)' (expected one of: \((Self.webSocketKeys.sorted() + HTTPSettings.keys.sorted()).joined(separator: ", ")))")
        }
        let reader = ConfigReader(block: block)
        host = try reader.string("host") ?? host
        port = try reader.integer("port", in: 0...65535) ?? port
        endpoint = try reader.string("endpoint") ?? endpoint
        guard endpoint.hasPrefix("/"), !endpoint.contains("?") else {
            throw .invalidConfig("endpoint must be a path starting with '/', found \"\(endpoint)\"")
        }
        maxMessageSize = try reader.integer("max_message_size", in: 16...(1 << 30)) ?? maxMessageSize
        pingInterval = try reader.seconds("ping_interval", allowZero: true) ?? pingInterval
        pingTimeout = try reader.seconds("ping_timeout", allowZero: false) ?? pingTimeout
        if block["allow_origins"] != nil && block["allowed_origins"] != nil {
            throw .invalidConfig("give either allow_origins or allowed_origins, not both")
        }
        let originsKey = block["allowed_origins"] != nil ? "allowed_origins" : "allow_origins"
        if let origins = try reader.strings(originsKey) {
            allowedOrigins = origins.contains("*") ? nil : Set(origins.map { $0.lowercased() })
        }
        maxConnections = try reader.integer("max_connections", in: 1...1_000_000) ?? maxConnections
        maxRequestsPerConnection = try reader.integer("max_requests_per_connection", in: 1...10_000) ?? maxRequestsPerConnection
        if let queue = try reader.object("send_queue") {
            let queueReader = ConfigReader(block: queue, prefix: "send_queue.")
            if let unknown = queue.keys.sorted().first(where: { !["max_bytes", "max_frames", "max_total_bytes"].contains($0) }) {
                throw .invalidConfig("unknown key 'send_queue.\(unknown)' (expected max_bytes, max_frames, max_total_bytes)")
            }
            sendQueue.maxBytes = try queueReader.integer("max_bytes", in: 1024...(1 << 30)) ?? sendQueue.maxBytes
            sendQueue.maxFrames = try queueReader.integer("max_frames", in: 16...10_000_000) ?? sendQueue.maxFrames
            maxTotalQueuedBytes = try queueReader.integer("max_total_bytes", in: 1024...(1 << 40)) ?? maxTotalQueuedBytes
        }
        apiKeys = try Self.apiKeys(block["api_keys"])
        legacyComplete = try reader.bool("legacy_complete") ?? legacyComplete
        shutdownGrace = try reader.number("shutdown_grace", in: 0...60) ?? shutdownGrace
        http = try HTTPSettings(reader: reader)
    }

    private static func apiKeys(_ value: JSONValue?) throws(WebSocketError) -> [APIKey] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?:
            var keys: [APIKey] = []
            for (index, item) in items.enumerated() {
                guard case .object(let entry) = item else { throw .invalidConfig("api_keys[\(index)] must be {key, owner}") }
                guard case .string(let key)? = entry["key"], !key.isEmpty else {
                    throw .invalidConfig("api_keys[\(index)].key must be a non-empty string (is its env: variable set?)")
                }
                guard case .string(let owner)? = entry["owner"], !owner.isEmpty else {
                    throw .invalidConfig("api_keys[\(index)].owner must be a non-empty string")
                }
                if let unknown = entry.keys.sorted().first(where: { $0 != "key" && $0 != "owner" }) {
                    throw .invalidConfig("api_keys[\(index)]: unknown key '\(unknown)' (expected key, owner)")
                }
                if keys.contains(where: { $0.key == key }) {
                    throw .invalidConfig("api_keys[\(index)].key is the same key as an earlier entry")
                }
                keys.append(APIKey(key: key, owner: owner))
            }
            return keys
        default:
            throw .invalidConfig("api_keys must be a list of {key, owner}")
        }
    }
}

/// Typed lookups in a config block; absent and null keys read as nil.
struct ConfigReader {
    let block: [String: JSONValue]
    var prefix = ""

    func value(_ key: String) -> JSONValue? {
        guard let value = block[key], value != .null else { return nil }
        return value
    }

    func string(_ key: String) throws(WebSocketError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value, !text.isEmpty else { throw .invalidConfig("\(prefix)\(key) must be a non-empty string") }
        return text
    }

    func bool(_ key: String) throws(WebSocketError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard case .bool(let flag) = value else { throw .invalidConfig("\(prefix)\(key) must be true or false") }
        return flag
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(WebSocketError) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .int(let number) = value, range.contains(Int(number)) else {
            throw .invalidConfig("\(prefix)\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(number)
    }

    func number(_ key: String, in range: ClosedRange<Double>) throws(WebSocketError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        switch value {
        case .int(let whole): number = Double(whole)
        case .double(let fraction): number = fraction
        default: throw .invalidConfig("\(prefix)\(key) must be a number")
        }
        guard range.contains(number) else { throw .invalidConfig("\(prefix)\(key) must be from \(range.lowerBound) to \(range.upperBound)") }
        return number
    }

    /// Seconds, rounded up to whole seconds (libwebsockets counts whole seconds).
    func seconds(_ key: String, allowZero: Bool) throws(WebSocketError) -> Int? {
        guard let number = try number(key, in: 0...65535) else { return nil }
        guard allowZero || number > 0 else { throw .invalidConfig("\(prefix)\(key) must be greater than 0") }
        return Int(number.rounded(.up))
    }

    func strings(_ key: String) throws(WebSocketError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value else { throw .invalidConfig("\(prefix)\(key) must be a list of strings") }
        return try items.map { item throws(WebSocketError) in
            guard case .string(let text) = item, !text.isEmpty else { throw .invalidConfig("\(prefix)\(key) must be a list of non-empty strings") }
            return text
        }
    }

    func object(_ key: String) throws(WebSocketError) -> [String: JSONValue]? {
        guard let value = value(key) else { return nil }
        guard case .object(let members) = value else { throw .invalidConfig("\(prefix)\(key) must be a mapping") }
        return members
    }
}
