import JSONSupport

/// Lists what a connected server offers, following pagination, and asks to hear about changes.
/// Runs on the supervisor thread (blocking calls with the request timeout).
enum CatalogLoader {
    /// Pagination bounds, so a server cannot make the client loop or buffer without end.
    static let maxPages = 100
    static let maxItems = 10_000

    /// The list method and result key for each kind.
    static let kinds: [(kind: String, method: String)] = [("tools", "tools/list"), ("prompts", "prompts/list"), ("resources", "resources/list")]

    /// Every kind the server offers. - Throws: `MCPError` from the server or the connection.
    static func loadAll(_ connection: ServerConnection, timeout: Double) throws(MCPError) -> ServerCatalog {
        var catalog = ServerCatalog()
        for (kind, _) in kinds { try reload(kind, into: &catalog, connection, timeout: timeout) }
        return catalog
    }

    /// One kind, all pages; a kind the server does not offer is empty.
    static func reload(_ kind: String, into catalog: inout ServerCatalog, _ connection: ServerConnection, timeout: Double) throws(MCPError) {
        guard let session = connection.session, session.offers(kind), let method = kinds.first(where: { $0.kind == kind })?.method else {
            return
        }
        var items: [JSONValue] = []
        var cursor: String?
        var seen = Set<String>()
        for _ in 0..<maxPages {
            let params: JSONValue? = cursor.map { .object(["cursor": .string($0)]) }
            let page = try connection.call(method, params: params, timeout: timeout)
            items.append(contentsOf: (page[kind]?.elements ?? []).prefix(maxItems - items.count))
            guard let next = page["nextCursor"]?.stringValue, !next.isEmpty, items.count < maxItems, seen.insert(next).inserted else { break }
            cursor = next
        }
        switch kind {
        case "tools": catalog.tools = items
        case "prompts": catalog.prompts = items
        default: catalog.resources = items
        }
    }

    /// Modern servers: `subscriptions/listen` for the list changes they announce (a request that
    /// stays open; its notifications arrive like any other). Legacy servers announce changes
    /// unasked; this only sets their log level.
    static func subscribe(_ connection: ServerConnection, settings: ClientSettings, log: @escaping LogSink) {
        guard let session = connection.session else { return }
        switch session.era {
        case .modern:
            var wanted: [String: JSONValue] = [:]
            for (kind, key) in [("tools", "toolsListChanged"), ("prompts", "promptsListChanged"), ("resources", "resourcesListChanged")]
            where session.announcesListChanges(kind) {
                wanted[key] = .bool(true)
            }
            guard !wanted.isEmpty else { return }
            connection.request("subscriptions/listen", params: .object(["notifications": .object(wanted)]),
                               timeout: .infinity, maxTimeout: .infinity) { result in
                if case .failure(let error) = result, error.code != .serverDown {
                    log(.debug, "no change subscription: \(error.message)")
                }
            }
        case .legacy:
            guard session.offers("logging") else { return }
            connection.request("logging/setLevel", params: .object(["level": .string(settings.serverLogLevel)]),
                               timeout: settings.requestTimeout, maxTimeout: settings.requestTimeout) { _ in }
        }
    }
}
