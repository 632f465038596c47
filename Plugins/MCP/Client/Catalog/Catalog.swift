import JSONSupport

/// One server's tools, prompts and resources as the server listed them (MCP JSON objects).
public struct ServerCatalog: Sendable, Equatable {
    public var tools: [JSONValue] = []
    public var prompts: [JSONValue] = []
    public var resources: [JSONValue] = []

    public init(tools: [JSONValue] = [], prompts: [JSONValue] = [], resources: [JSONValue] = []) {
        (self.tools, self.prompts, self.resources) = (tools, prompts, resources)
    }
}

/// The union of every server's catalog in the host's shape (docs/PLUGINS.md, tool_source
/// "list"), with the routes that take an exposed name back to its server.
///
/// Names are assigned over every server that has ever listed (`known`), including servers that
/// are down now, so a name stays the same while its server restarts; only servers that are up
/// are listed and routed. Pure.
public struct MergedCatalog: Sendable, Equatable {
    public var tools: [JSONValue] = []
    public var prompts: [JSONValue] = []
    public var resources: [JSONValue] = []
    public var toolRoutes: [String: Route] = [:]
    public var promptRoutes: [String: Route] = [:]
    /// Tools and prompts of servers that are down now: a call gets "server down", not "unknown".
    public var downRoutes: [String: Route] = [:]
    /// Which servers (up now) listed each resource URI, in name order.
    public var resourceServers: [String: [String]] = [:]

    public init() {}

    /// - Parameters:
    ///   - known: the last catalog of every server, up or down.
    ///   - up: the servers that are connected now.
    public init(known: [String: ServerCatalog], up: Set<String>) {
        let servers = known.keys.sorted()
        let toolNames = ToolNaming.assign(servers.flatMap { server in
            (known[server]?.tools ?? []).compactMap { $0["name"]?.stringValue }.map { Route(server: server, name: $0) }
        })
        let promptNames = ToolNaming.assign(servers.flatMap { server in
            (known[server]?.prompts ?? []).compactMap { $0["name"]?.stringValue }.map { Route(server: server, name: $0) }
        })
        for server in servers where !up.contains(server) {
            for tool in known[server]?.tools ?? [] {
                if let name = tool["name"]?.stringValue, let exposed = toolNames[Route(server: server, name: name)] { downRoutes[exposed] = Route(server: server, name: name) }
            }
            for prompt in known[server]?.prompts ?? [] {
                if let name = prompt["name"]?.stringValue, let exposed = promptNames[Route(server: server, name: name)] { downRoutes[exposed] = Route(server: server, name: name) }
            }
        }
        for server in servers where up.contains(server) {
            guard let catalog = known[server] else { continue }
            for tool in catalog.tools {
                guard let name = tool["name"]?.stringValue, let exposed = toolNames[Route(server: server, name: name)] else { continue }
                toolRoutes[exposed] = Route(server: server, name: name)
                tools.append(Self.hostTool(tool, exposed: exposed, server: server))
            }
            for prompt in catalog.prompts {
                guard let name = prompt["name"]?.stringValue, let exposed = promptNames[Route(server: server, name: name)] else { continue }
                promptRoutes[exposed] = Route(server: server, name: name)
                prompts.append(Self.hostPrompt(prompt, exposed: exposed, server: server))
            }
            for resource in catalog.resources {
                guard let uri = resource["uri"]?.stringValue else { continue }
                resourceServers[uri, default: []].append(server)
                resources.append(Self.hostResource(resource, server: server))
            }
        }
    }

    /// `{"name","description","input_schema","server","original_name","title"?,"output_schema"?,"annotations"?}`
    static func hostTool(_ tool: JSONValue, exposed: String, server: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "name": .string(exposed), "server": .string(server), "original_name": tool["name"] ?? .null,
            "description": .string(tool["description"]?.stringValue ?? tool["title"]?.stringValue ?? ""),
            "input_schema": tool["inputSchema"]?.members.map(JSONValue.object) ?? .object(["type": .string("object"), "properties": .object([:])]),
        ]
        if let title = tool["title"]?.stringValue { object["title"] = .string(title) }
        if let schema = tool["outputSchema"], schema.members != nil { object["output_schema"] = schema }
        if let annotations = tool["annotations"], annotations.members != nil { object["annotations"] = annotations }
        return .object(object)
    }

    /// `{"name","description","arguments":[{"name","description","required"}],"server","original_name","title"?}`
    static func hostPrompt(_ prompt: JSONValue, exposed: String, server: String) -> JSONValue {
        let arguments: [JSONValue] = (prompt["arguments"]?.elements ?? []).compactMap { argument in
            guard let name = argument["name"]?.stringValue else { return nil }
            return .object(["name": .string(name), "description": .string(argument["description"]?.stringValue ?? ""),
                            "required": .bool(argument["required"]?.flag ?? false)])
        }
        var object: [String: JSONValue] = [
            "name": .string(exposed), "server": .string(server), "original_name": prompt["name"] ?? .null,
            "description": .string(prompt["description"]?.stringValue ?? ""), "arguments": .array(arguments),
        ]
        if let title = prompt["title"]?.stringValue { object["title"] = .string(title) }
        return .object(object)
    }

    /// `{"uri","name","server","description"?,"mime_type"?,"title"?,"size"?}`
    static func hostResource(_ resource: JSONValue, server: String) -> JSONValue {
        var object: [String: JSONValue] = [
            "uri": resource["uri"] ?? .null, "server": .string(server),
            "name": .string(resource["name"]?.stringValue ?? resource["uri"]?.stringValue ?? ""),
        ]
        if let text = resource["description"]?.stringValue { object["description"] = .string(text) }
        if let text = resource["mimeType"]?.stringValue { object["mime_type"] = .string(text) }
        if let text = resource["title"]?.stringValue { object["title"] = .string(text) }
        if let size = resource["size"]?.integer { object["size"] = .int(size) }
        return .object(object)
    }

    /// The "list" result: `{"tools": [...], "prompts": [...], "resources": [...]}`.
    public var listing: JSONValue {
        .object(["tools": .array(tools), "prompts": .array(prompts), "resources": .array(resources)])
    }
}
