import JSONSupport

/// The MCP protocol revisions this client speaks, and the per-request envelope of the modern one.
///
/// Legacy (handshake) revisions use `initialize` + `notifications/initialized`; the modern
/// revision is stateless: every request carries `_meta` with the version and capabilities.
public enum ProtocolVersion {
    /// The stateless revision (no handshake, no sessions).
    public static let modern = "2026-07-28"
    public static let modernVersions: Set<String> = [modern]
    /// Handshake revisions, newest first: the first is what `initialize` offers.
    public static let legacyVersions = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
    public static var latestLegacy: String { legacyVersions[0] }

    static let versionKey = "io.modelcontextprotocol/protocolVersion"
    static let capabilitiesKey = "io.modelcontextprotocol/clientCapabilities"
    static let clientInfoKey = "io.modelcontextprotocol/clientInfo"
    static let logLevelKey = "io.modelcontextprotocol/logLevel"
    static let subscriptionKey = "io.modelcontextprotocol/subscriptionId"
    static let serverInfoKey = "io.modelcontextprotocol/serverInfo"

    /// Who this client says it is.
    static let clientInfo: JSONValue = .object(["name": .string("switchboard"), "version": .string("1.0.0")])
    /// No client features (roots, sampling, elicitation) are offered, so servers never ask for them.
    static let capabilities: JSONValue = .object([:])
}

/// Which generation of the protocol a server speaks.
public enum ProtocolEra: String, Sendable, Equatable {
    case modern, legacy
}

/// What the handshake (or discovery) settled for one connection.
public struct SessionInfo: Sendable, Equatable {
    public var era: ProtocolEra
    public var version: String
    /// The server's capabilities object (`tools`, `prompts`, `resources`, `logging`, ...).
    public var capabilities: JSONValue
    public var serverInfo: JSONValue?
    public var instructions: String?

    func offers(_ feature: String) -> Bool { capabilities[feature] != nil }

    /// Whether the server announces `listChanged` for tools, prompts or resources.
    func announcesListChanges(_ feature: String) -> Bool { capabilities[feature]?["listChanged"]?.flag == true }

    /// `params` for a request in this session: modern requests get the `_meta` envelope;
    /// both eras get `progressToken` there when given.
    /// - Parameter logLevel: modern only: the level of `notifications/message` to receive.
    func params(_ params: JSONValue?, progressToken: RequestID? = nil, logLevel: String? = nil) -> JSONValue? {
        var meta: [String: JSONValue] = [:]
        if era == .modern {
            meta[ProtocolVersion.versionKey] = .string(version)
            meta[ProtocolVersion.capabilitiesKey] = ProtocolVersion.capabilities
            meta[ProtocolVersion.clientInfoKey] = ProtocolVersion.clientInfo
            if let logLevel { meta[ProtocolVersion.logLevelKey] = .string(logLevel) }
        }
        if let progressToken { meta["progressToken"] = progressToken.json }
        guard !meta.isEmpty else { return params }
        var object = params?.members ?? [:]
        object["_meta"] = .object((object["_meta"]?.members ?? [:]).merging(meta) { $1 })
        return .object(object)
    }
}
