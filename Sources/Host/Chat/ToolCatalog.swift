import Synchronization

/// What the active tool sources offer: tools (by the name the model sees), prompts and
/// resources, each remembered with its source. Listed once and again only after a tool source
/// reports `SB_NOTIFY_CATALOG_CHANGED`, so a turn does not pay for a listing.
final class ToolCatalog: Sendable {
    struct Listing: Sendable {
        var tools: [(source: ComponentInstance, tool: JSONValue)] = []
        var prompts: [(source: ComponentInstance, prompt: JSONValue)] = []
        var resources: [(source: ComponentInstance, resource: JSONValue)] = []
        var toolsByName: [String: ComponentInstance] = [:]

        /// The tools in the OpenAI `tools` request shape.
        var functions: [JSONValue] {
            tools.map { entry in
                var function: [String: JSONValue] = ["name": entry.tool["name"] ?? .string("")]
                if let description = entry.tool["description"] { function["description"] = description }
                function["parameters"] = entry.tool["input_schema"] ?? .object(["type": .string("object"), "properties": .object([:])])
                return .object(["type": .string("function"), "function": .object(function)])
            }
        }

        /// Everything, each item with `source`, for `list_catalog`.
        var json: JSONValue {
            func tagged(_ value: JSONValue, _ source: ComponentInstance) -> JSONValue {
                guard case .object(var members) = value else { return value }
                members["source"] = .string(source.name)
                return .object(members)
            }
            return .object(["tools": .array(tools.map { tagged($0.tool, $0.source) }),
                            "prompts": .array(prompts.map { tagged($0.prompt, $0.source) }),
                            "resources": .array(resources.map { tagged($0.resource, $0.source) })])
        }
    }

    let sources: [ComponentInstance]
    private let services: HostServices
    private let cached = Mutex<(version: UInt64, listing: Listing)?>(nil)

    init(sources: [ComponentInstance], services: HostServices) { (self.sources, self.services) = (sources, services) }

    /// The current listing, re-read when a source reported a change since the last one.
    func listing() async -> Listing {
        let version = services.catalogVersion
        if let cached = cached.withLock({ $0 }), cached.version == version { return cached.listing }
        var listing = Listing()
        let results = await withTaskGroup(of: (Int, JSONValue?).self) { group in
            for (position, source) in sources.enumerated() {
                group.addTask {
                    switch await ComponentCall.json(source, op: "list", request: .object([:])) {
                    case .success(let value): return (position, value)
                    case .failure(let failure):
                        self.services.logger.warn("chat", "tool source '\(source.name)' could not list its tools: \(failure.message)")
                        return (position, nil)
                    }
                }
            }
            var results = [JSONValue?](repeating: nil, count: sources.count)
            for await (position, value) in group { results[position] = value }
            return results
        }
        for (source, result) in zip(sources, results) {
            guard let result else { continue }
            for tool in result["tools"]?.arrayValue ?? [] {
                guard let name = tool["name"]?.stringValue else { continue }
                if let owner = listing.toolsByName[name] {
                    services.logger.warn("chat", "tool '\(name)' of '\(source.name)' is hidden by the one of '\(owner.name)'")
                    continue
                }
                listing.toolsByName[name] = source
                listing.tools.append((source, tool))
            }
            listing.prompts += (result["prompts"]?.arrayValue ?? []).map { (source, $0) }
            listing.resources += (result["resources"]?.arrayValue ?? []).map { (source, $0) }
        }
        cached.withLock { $0 = (version, listing) }
        return listing
    }

    /// The source offering a prompt (or the named source).
    func source(ofPrompt name: String, named sourceName: String?, in listing: Listing) -> ComponentInstance? {
        if let sourceName { return sources.first { $0.name == sourceName } }
        return listing.prompts.first { $0.prompt["name"]?.stringValue == name }?.source
    }

    /// The source offering a resource (or the named source).
    func source(ofResource uri: String, named sourceName: String?, in listing: Listing) -> ComponentInstance? {
        if let sourceName { return sources.first { $0.name == sourceName } }
        return listing.resources.first { $0.resource["uri"]?.stringValue == uri }?.source
    }
}

extension JSONValue {
    var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value == value.rounded() && abs(value) < 9e15: return Int64(value)
        default: return nil
        }
    }
}
