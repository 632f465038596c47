import JSONSupport

/// Establishes a session with one server, in either era, as a pure state machine: it says what
/// to send and interprets each reply; the driver (`ServerConnection`) does the I/O and timing.
///
/// Era detection (mcp-client.md §1.4): send `server/discover` with a modern `_meta` first.
/// - A discover result means modern (a version from `supportedVersions` is chosen).
/// - `-32022 UnsupportedProtocolVersion` means modern: retry once with a version from `data.supported`.
/// - Over HTTP, a 400 whose body is a modern error (-32020/-32021/-32022) means modern.
/// - Anything else (another error, another 4xx, a timeout) means legacy: `initialize`, then
///   `notifications/initialized`. The result is never keyed on one specific error code.
/// - `initialize` answered with `-32022` and a modern version in `data.supported` (over HTTP, in
///   a 400's body) means modern after all: discover again, once. A stdio server slow to start
///   reads the timed-out probe first, and that commits its connection to the modern era.
/// A `hint` of `.legacy` (a previous process of the same server was legacy) skips discovery.
public struct SessionMachine: Sendable {
    public enum Channel: Sendable { case stdio, http }

    /// What to do next.
    public enum Step: Sendable, Equatable {
        /// Send this request and feed its reply (or timeout) to `received(_:)`.
        case request(method: String, params: JSONValue)
        /// Send this notification; no reply comes.
        case notify(method: String, params: JSONValue?)
        case established(SessionInfo)
        case failed(String)
    }

    /// How a request ended, as the driver observed it.
    public enum Reply: Sendable, Equatable {
        case result(JSONValue)
        case error(RPCError)
        /// HTTP only: a non-2xx status with its body, if it was JSON.
        case httpStatus(Int, body: JSONValue?)
        case timeout
    }

    private enum State: Sendable, Equatable {
        case idle
        case discovering(version: String, retried: Bool)
        /// `modernRetried`: discovery already had its one retry; a -32022 here then fails.
        case initializing(modernRetried: Bool)
        case done
    }

    public let channel: Channel
    public let hint: ProtocolEra?
    private var state = State.idle

    public init(channel: Channel, hint: ProtocolEra? = nil) {
        self.channel = channel
        self.hint = hint
    }

    public mutating func start() -> [Step] {
        guard state == .idle else { return [] }
        return hint == .legacy ? initialize(modernRetried: false) : discover(version: ProtocolVersion.modern, retried: false)
    }

    public mutating func received(_ reply: Reply) -> [Step] {
        switch state {
        case .discovering(_, let retried): return discovered(reply, retried: retried)
        case .initializing(let modernRetried): return initialized(reply, modernRetried: modernRetried)
        case .idle, .done: return []
        }
    }

    private mutating func discover(version: String, retried: Bool) -> [Step] {
        state = .discovering(version: version, retried: retried)
        let meta: JSONValue = .object([
            ProtocolVersion.versionKey: .string(version), ProtocolVersion.capabilitiesKey: ProtocolVersion.capabilities,
            ProtocolVersion.clientInfoKey: ProtocolVersion.clientInfo,
        ])
        return [.request(method: "server/discover", params: .object(["_meta": meta]))]
    }

    private mutating func initialize(modernRetried: Bool) -> [Step] {
        state = .initializing(modernRetried: modernRetried)
        return [.request(method: "initialize", params: .object([
            "protocolVersion": .string(ProtocolVersion.latestLegacy), "capabilities": ProtocolVersion.capabilities,
            "clientInfo": ProtocolVersion.clientInfo,
        ]))]
    }

    private mutating func discovered(_ reply: Reply, retried: Bool) -> [Step] {
        switch reply {
        case .result(let result):
            let offered = (result["supportedVersions"]?.elements ?? []).compactMap(\.stringValue)
            guard let version = offered.first(where: ProtocolVersion.modernVersions.contains) else {
                // A discover answer without a version we speak: a handshake may still work.
                return offered.isEmpty ? initialize(modernRetried: true) : fail("the server supports protocol versions \(offered.joined(separator: ", ")); this client speaks \(ProtocolVersion.modern) and \(ProtocolVersion.legacyVersions.joined(separator: ", "))")
            }
            state = .done
            let info = result["_meta"]?[ProtocolVersion.serverInfoKey] ?? result["serverInfo"]
            return [.established(SessionInfo(era: .modern, version: version, capabilities: result["capabilities"] ?? .object([:]),
                                             serverInfo: info, instructions: result["instructions"]?.stringValue))]
        case .error(let error) where error.code == RPCError.unsupportedProtocolVersion:
            return versionRejected(error.data, retried: retried)
        case .httpStatus(400, let body?) where Self.isModernRejection(body):
            let error = body["error"]
            if error?["code"]?.integer == RPCError.unsupportedProtocolVersion { return versionRejected(error?["data"], retried: retried) }
            return fail("the server rejected the modern request: \(error?["message"]?.stringValue ?? "no message")")
        case .httpStatus(let status, _) where status >= 500:
            return fail("the server answered HTTP \(status)")
        case .error, .httpStatus, .timeout:
            return initialize(modernRetried: retried)
        }
    }

    private mutating func versionRejected(_ data: JSONValue?, retried: Bool) -> [Step] {
        if !retried, let version = Self.modernVersion(in: data) { return discover(version: version, retried: true) }
        return initialize(modernRetried: true)  // perhaps it also speaks a handshake revision
    }

    /// The first version in a -32022 error's `data.supported` that this client speaks in the modern era.
    private static func modernVersion(in data: JSONValue?) -> String? {
        (data?["supported"]?.elements ?? []).compactMap(\.stringValue).first(where: ProtocolVersion.modernVersions.contains)
    }

    /// The modern version named by a -32022 rejection, as a JSON-RPC error or (HTTP) a 400's body.
    private static func modernVersion(rejecting reply: Reply) -> String? {
        switch reply {
        case .error(let error) where error.code == RPCError.unsupportedProtocolVersion:
            return modernVersion(in: error.data)
        case .httpStatus(400, let body?) where body["error"]?["code"]?.integer == RPCError.unsupportedProtocolVersion:
            return modernVersion(in: body["error"]?["data"])
        default:
            return nil
        }
    }

    private mutating func initialized(_ reply: Reply, modernRetried: Bool) -> [Step] {
        if !modernRetried, let version = Self.modernVersion(rejecting: reply) {
            return discover(version: version, retried: true)  // modern after all (see the type's doc)
        }
        switch reply {
        case .result(let result):
            guard let version = result["protocolVersion"]?.stringValue else { return fail("the initialize result has no protocolVersion") }
            guard ProtocolVersion.legacyVersions.contains(version) else {
                return fail("the server chose protocol version \(version), which this client does not speak (it speaks \(ProtocolVersion.legacyVersions.joined(separator: ", ")))")
            }
            state = .done
            let info = SessionInfo(era: .legacy, version: version, capabilities: result["capabilities"] ?? .object([:]),
                                   serverInfo: result["serverInfo"], instructions: result["instructions"]?.stringValue)
            return [.notify(method: "notifications/initialized", params: nil), .established(info)]
        case .error(let error):
            return fail("initialize failed: \(error.message) (\(error.code))")
        case .httpStatus(let status, _) where [400, 404, 405].contains(status) && channel == .http:
            return fail("initialize got HTTP \(status): the server may use the old HTTP+SSE transport of 2024-11-05, which this client does not support")
        case .httpStatus(let status, _):
            return fail("initialize got HTTP \(status)")
        case .timeout:
            return fail("no answer to initialize")
        }
    }

    private mutating func fail(_ message: String) -> [Step] {
        state = .done
        return [.failed(message)]
    }

    /// A JSON-RPC error body with one of the modern revision's own codes.
    static func isModernRejection(_ body: JSONValue) -> Bool {
        guard let code = body["error"]?["code"]?.integer else { return false }
        return [RPCError.headerMismatch, RPCError.missingClientCapability, RPCError.unsupportedProtocolVersion].contains(code)
    }
}
