import JSONSupport

/// An error answered to a client as an error frame: an HTTP-style numeric `code` (what the
/// action dialect's clients match on, as in the Python backends), a `reason` code word (what
/// the host said, or the transport's own), a message, and for invalid fields the list of
/// problems in the `validation_errors` shape of those backends.
public struct ClientError: Error, Sendable, Equatable {
    /// One invalid field: `field` is a dotted path (`payload.text`), `type` is `missing`,
    /// `type_error` or `value_error`.
    public struct ValidationIssue: Sendable, Equatable {
        public var field: String
        public var message: String
        public var type: String

        public init(field: String, message: String, type: String) {
            (self.field, self.message, self.type) = (field, message, type)
        }

        public static func missing(_ field: String) -> Self { Self(field: field, message: "field required", type: "missing") }
        public static func type(_ field: String, _ expected: String) -> Self {
            Self(field: field, message: "must be \(expected)", type: "type_error")
        }
        public static func value(_ field: String, _ message: String) -> Self { Self(field: field, message: message, type: "value_error") }

        var json: JSONValue { .object(["field": .string(field), "message": .string(message), "type": .string(type)]) }
    }

    public var code: Int
    public var reason: String
    public var message: String
    public var validationErrors: [ValidationIssue]
    /// Details from the host's ERROR event (`data`), passed on as they are.
    public var details: JSONValue?

    public init(code: Int, reason: String, message: String, validationErrors: [ValidationIssue] = [], details: JSONValue? = nil) {
        (self.code, self.reason, self.message, self.validationErrors, self.details) = (code, reason, message, validationErrors, details)
    }

    public static func invalid(_ issues: [ValidationIssue]) -> ClientError {
        ClientError(code: 400, reason: "invalid_request", message: "Parameter validation failed", validationErrors: issues)
    }

    /// The `data` member of an action-dialect error (and `details` of a type-dialect one).
    var data: JSONValue? {
        if !validationErrors.isEmpty { return .object(["validation_errors": .array(validationErrors.map(\.json))]) }
        return details
    }

    /// The type dialect's `error_code`: the reason in capitals (`CONVERSATION_BUSY`), as the seed backends write them.
    public var typeDialectCode: String { reason.uppercased() }

    /// The numeric code for a host error: by its code word first, then by its `sb_status`.
    public static func code(forHostReason reason: String, status: Int32) -> Int {
        switch reason {
        case "invalid_request", "invalid_arguments", "invalid_json", "invalid": return 400
        case "unauthorized": return 401
        case "forbidden": return 403
        case "not_found": return 404
        case "conversation_busy", "duplicate_request", "conflict": return 409
        case "rate_limited", "rate_limit_exceeded", "too_many_requests": return 429
        case "provider_error", "stream_dropped", "malformed_chunk", "connection_failed": return 502
        case "unavailable", "server_down", "circuit_open", "shutting_down": return 503
        case "timeout": return 504
        default: break
        }
        switch status {
        case -1: return 400      // SB_ERR_INVALID
        case -2: return 501      // SB_ERR_UNSUPPORTED
        case -5: return 404      // SB_ERR_NOT_FOUND
        case -6, -10: return 503 // SB_ERR_BUSY, SB_ERR_UNAVAILABLE
        case -9: return 504      // SB_ERR_TIMEOUT
        default: return 500
        }
    }

    /// The code word for an `sb_status` when the host gave none.
    public static func reason(forStatus status: Int32) -> String {
        switch status {
        case -1: return "invalid_request"
        case -2: return "unsupported"
        case -4: return "out_of_memory"
        case -5: return "not_found"
        case -6: return "busy"
        case -7: return "io_error"
        case -9: return "timeout"
        case -10: return "unavailable"
        default: return "internal_error"
        }
    }
}
