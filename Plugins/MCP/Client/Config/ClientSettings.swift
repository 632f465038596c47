import JSONSupport

/// The MCP plugin's config block (plugins.yaml), with the seeds' `mcp.connection` names:
///
/// ```yaml
/// servers_config: servers_config.json   # default: the host's (plugins.yaml, else $MCP_SERVERS_CONFIG_PATH)
/// connection:
///   max_reconnect_attempts: 5      # consecutive failed (re)connections before giving up; 0 = never give up
///   initial_reconnect_delay: 1.0   # seconds before the first restart; doubles per failure
///   max_reconnect_delay: 30.0      # cap on that delay
///   connection_timeout: 30.0       # start-up: spawn or connect, handshake and first listing
///   ping_interval: 30.0            # liveness check of an idle server; 0 = off
///   ping_timeout: 10.0             # no answer in time = hung: the server is restarted
/// requests:
///   timeout: 60.0                  # per request; servers_config "timeout" overrides per server
///   max_timeout: 300.0             # hard limit even while progress keeps extending the timeout
///   max_in_flight: 64              # per server; more calls are refused as busy
/// max_message_bytes: 16777216      # one JSON-RPC message (stdio line, HTTP body, SSE event)
/// shutdown_grace: 2.0              # stdio: wait after closing stdin, and again after SIGTERM
/// server_log_level: info           # notifications/message at or above this level reach the host log
/// ```
public struct ClientSettings: Sendable, Equatable {
    public var serversConfig: String?
    public var policy = SupervisionMachine.Policy(maxAttempts: 5, initialDelay: 1.0, maxDelay: 30.0)
    public var connectionTimeout = 30.0
    public var pingInterval = 30.0
    public var pingTimeout = 10.0
    public var requestTimeout = 60.0
    public var maxRequestTimeout = 300.0
    public var maxInFlight = 64
    public var maxMessageBytes = 16 << 20
    public var shutdownGrace = 2.0
    public var serverLogLevel = "info"

    /// MCP's logging levels, in increasing severity (RFC 5424 names).
    public static let logLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]

    public init() {}

    /// Parses and validates a config block; the message names the offending key.
    public init(json: String) throws(MCPError) {
        guard let root = try? JSONValue.parse(json), case .object = root else { throw .invalidConfig("the config block must be a JSON object") }
        let reader = Reader(root: root)
        try reader.only(["servers_config", "connection", "requests", "max_message_bytes", "shutdown_grace", "server_log_level"], in: "")
        try reader.only(["max_reconnect_attempts", "initial_reconnect_delay", "max_reconnect_delay", "connection_timeout",
                         "ping_interval", "ping_timeout"], in: "connection")
        try reader.only(["timeout", "max_timeout", "max_in_flight"], in: "requests")
        serversConfig = try reader.string("servers_config")
        policy.maxAttempts = try reader.integer("connection.max_reconnect_attempts", in: 0...1_000_000) ?? policy.maxAttempts
        policy.initialDelay = try reader.seconds("connection.initial_reconnect_delay", allowZero: true) ?? policy.initialDelay
        policy.maxDelay = try reader.seconds("connection.max_reconnect_delay", allowZero: true) ?? policy.maxDelay
        connectionTimeout = try reader.seconds("connection.connection_timeout") ?? connectionTimeout
        pingInterval = try reader.seconds("connection.ping_interval", allowZero: true) ?? pingInterval
        pingTimeout = try reader.seconds("connection.ping_timeout") ?? pingTimeout
        requestTimeout = try reader.seconds("requests.timeout") ?? requestTimeout
        maxRequestTimeout = try reader.seconds("requests.max_timeout") ?? maxRequestTimeout
        maxInFlight = try reader.integer("requests.max_in_flight", in: 1...10_000) ?? maxInFlight
        maxMessageBytes = try reader.integer("max_message_bytes", in: 1024...(1 << 30)) ?? maxMessageBytes
        shutdownGrace = try reader.seconds("shutdown_grace", allowZero: true) ?? shutdownGrace
        if let level = try reader.string("server_log_level") {
            guard Self.logLevels.contains(level) else {
                throw .invalidConfig("server_log_level must be one of \(Self.logLevels.joined(separator: ", ")), found '\(level)'")
            }
            serverLogLevel = level
        }
        guard policy.maxDelay >= policy.initialDelay else {
            throw .invalidConfig("connection.max_reconnect_delay (\(policy.maxDelay)) must be at least connection.initial_reconnect_delay (\(policy.initialDelay))")
        }
        guard maxRequestTimeout >= requestTimeout else {
            throw .invalidConfig("requests.max_timeout (\(maxRequestTimeout)) must be at least requests.timeout (\(requestTimeout))")
        }
    }

    /// Typed lookups by dotted path; absent and null keys read as nil.
    private struct Reader {
        let root: JSONValue

        func value(_ path: String) -> JSONValue? {
            guard let value = root.value(atPath: path), value != .null else { return nil }
            return value
        }
        func only(_ keys: Set<String>, in path: String) throws(MCPError) {
            guard let value = value(path) else { return }
            guard let members = value.members else { throw .invalidConfig("\(path) must be a mapping") }
            if let unknown = members.keys.sorted().first(where: { !keys.contains($0) }) {
                let full = path.isEmpty ? unknown : "\(path).\(unknown)"
                throw .invalidConfig("unknown key '\(full)' (expected one of: \(keys.sorted().joined(separator: ", ")))")
            }
        }
        func string(_ path: String) throws(MCPError) -> String? {
            guard let value = value(path) else { return nil }
            guard let text = value.stringValue, !text.isEmpty else { throw .invalidConfig("\(path) must be a non-empty string") }
            return text
        }
        func seconds(_ path: String, allowZero: Bool = false) throws(MCPError) -> Double? {
            guard let value = value(path) else { return nil }
            guard let seconds = value.number, seconds.isFinite, allowZero ? seconds >= 0 : seconds > 0, seconds <= 86_400 else {
                throw .invalidConfig("\(path) must be a number of seconds \(allowZero ? "from 0" : "greater than 0") up to 86400")
            }
            return seconds
        }
        func integer(_ path: String, in range: ClosedRange<Int>) throws(MCPError) -> Int? {
            guard let value = value(path) else { return nil }
            guard let number = value.integer, range.contains(Int(number)) else {
                throw .invalidConfig("\(path) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return Int(number)
        }
    }
}
