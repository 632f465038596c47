/// Severity of a line the MCP client logs; the plugin maps it to the host's `SB_LOG_*`.
public enum LogLevel: Int, Sendable, Comparable {
    case debug, info, warn, error

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }

    /// MCP's RFC 5424 level names (notifications/message) mapped to ours.
    init(mcpLevel: String) {
        switch mcpLevel {
        case "debug": self = .debug
        case "info", "notice": self = .info
        case "warning": self = .warn
        default: self = .error  // error, critical, alert, emergency, and anything unknown
        }
    }
}

/// Where the client's log lines go (the host log, in the plugin). Called from any thread.
public typealias LogSink = @Sendable (LogLevel, String) -> Void
