import JSONSupport

/// A complete HTTP response the transport sends in one piece: status, content type, extra
/// headers and body. Errors all share one body shape: `{"error": {"code", "message"}}`
/// (plus `retry_after` on 429). Pure.
/// It is an `Error` so a failed step can return it in a `Result`.
public struct HTTPReply: Error, Sendable, Equatable {
    public var status: Int
    public var contentType: String
    /// Extra headers (names as sent); the transport adds X-Request-ID, CORS and Content-Length.
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8]) {
        (self.status, self.contentType, self.headers, self.body) = (status, contentType, headers, body)
    }

    public static func json(_ status: Int, _ value: JSONValue, headers: [(String, String)] = []) -> HTTPReply {
        HTTPReply(status: status, headers: headers, body: Array((value.jsonText + "\n").utf8))
    }

    /// `{"error": {"code": CODE, "message": MESSAGE, ...details}}`.
    public static func error(_ status: Int, _ code: String, _ message: String, details: [String: JSONValue] = [:],
                             headers: [(String, String)] = []) -> HTTPReply {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        error.merge(details) { old, _ in old }
        var top: [String: JSONValue] = ["error": .object(error)]
        if let retry = details["retry_after"] { top["retry_after"] = retry }
        return json(status, .object(top), headers: headers)
    }

    public static func == (lhs: HTTPReply, rhs: HTTPReply) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.headers.map { "\($0.0): \($0.1)" } == rhs.headers.map { "\($0.0): \($0.1)" }
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    public static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 409: return "Conflict"
        case 413: return "Payload Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Entity"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return "Error"
        }
    }
}
