import Foundation
import JSONSupport
import MCPClient
import PluginABI
import PluginKit

/// The `mcp` tool source: a `ServerFleet` behind the tool-source ops (docs/PLUGINS.md):
/// `list`, `call_tool`, `get_prompt`, `read_resource`, `status`.
///
/// create() starts every server's supervisor and returns at once (servers connect in the
/// background; a server that fails is logged as down and retried). Threading: ops start on any
/// thread and finish on the server's transport thread; cancelling a call sends the server
/// `notifications/cancelled` (or closes the HTTP stream). shutdown() stops every server
/// (stdio: close stdin, wait, SIGTERM, SIGKILL, reap) before it returns.
final class MCPToolSource: ComponentImplementation {
    let fleet: ServerFleet
    private let context: CreateContext

    init(context: CreateContext) throws(PluginError) {
        self.context = context
        let settings: ClientSettings
        do throws(MCPError) { settings = try ClientSettings(json: context.configJSON) } catch { throw error.pluginError }
        let path = Self.serversConfigPath(settings: settings, context: context)
        let definitions: [ServerDefinition]
        do throws(MCPError) { definitions = try ServerDefinition.load(path: path) } catch { throw error.pluginError }
        if definitions.isEmpty {
            context.log(SB_LOG_WARN, FileManager.default.fileExists(atPath: path)
                        ? "\(path) defines no servers" : "no servers file at \(path): no MCP servers")
        }
        fleet = ServerFleet(
            definitions: definitions, settings: settings,
            log: { server, level, line in context.log(Self.abiLevel(level), server.map { "\($0): \(line)" } ?? line) },
            onCatalogChange: { context.notify(SB_NOTIFY_CATALOG_CHANGED) },
            onStateChange: { state in context.notify(SB_NOTIFY_STATE, json: state.jsonText) })
        let enabled = definitions.filter(\.enabled).map(\.name)
        context.log(SB_LOG_INFO, "\(definitions.count) server(s) in \(path); starting \(enabled.isEmpty ? "none" : enabled.joined(separator: ", "))")
        fleet.start()
    }

    /// The servers file: the config block's `servers_config`, else the host's resolved one
    /// (plugins.yaml, else `MCP_SERVERS_CONFIG_PATH`, else beside plugins.yaml), else the environment.
    static func serversConfigPath(settings: ClientSettings, context: CreateContext) -> String {
        if let path = settings.serversConfig { return path }
        if let json = context.configValue(atPath: "servers_config"), let path = (try? JSONValue.parse(json))?.stringValue { return path }
        return ProcessInfo.processInfo.environment["MCP_SERVERS_CONFIG_PATH"] ?? "servers_config.json"
    }

    func describe() -> String? { fleet.status.jsonText }

    /// A new config block, or servers_config.json changed (the host reconfigures `mcp` with its
    /// unchanged block then): re-reads both and applies the difference. Servers that are new
    /// start, servers no longer listed stop, changed ones restart (all of them when the block's
    /// settings changed), the others keep running and keep their sessions. Nothing changes when
    /// the block or the file is invalid. Runs on the host's configuration thread; blocks while
    /// servers stop.
    func reconfigure(configJSON: String) throws(PluginError) {
        let settings: ClientSettings
        do throws(MCPError) { settings = try ClientSettings(json: configJSON) } catch { throw error.pluginError }
        let path = Self.serversConfigPath(settings: settings, context: context)
        let definitions: [ServerDefinition]
        do throws(MCPError) { definitions = try ServerDefinition.load(path: path) } catch { throw error.pluginError }
        let update = fleet.update(definitions: definitions, settings: settings)
        guard !update.isEmpty else { return context.log(SB_LOG_DEBUG, "servers unchanged (\(path))") }
        let parts = [("started", update.added), ("stopped", update.removed), ("restarted", update.restarted)]
            .filter { !$0.1.isEmpty }.map { "\($0.0) \($0.1.joined(separator: ", "))" }
        context.log(SB_LOG_INFO, "servers reconfigured from \(path): " + parts.joined(separator: "; "))
    }

    func shutdown() { fleet.stop() }

    func start(_ operation: PluginKit.Operation) throws(PluginError) {
        switch operation.op {
        case "list":
            operation.succeed(result: fleet.catalog.listing.jsonText)
        case "status":
            operation.succeed(result: fleet.status.jsonText)
        case "call_tool":
            try callTool(operation, try Request(operation.request))
        case "get_prompt":
            try getPrompt(operation, try Request(operation.request))
        case "read_resource":
            try readResource(operation, try Request(operation.request))
        case "restart":
            let name = try Request(operation.request).string("server")
            // Stopping a server blocks (grace periods): off the caller's thread.
            Thread.detachNewThread { [fleet] in
                if fleet.restart(name) { operation.succeed(result: JSONValue.object(["restarted": .string(name)]).jsonText) }
                else { operation.fail(PluginError(SB_ERR_NOT_FOUND, "no MCP server is named '\(name)'"), code: "not_found") }
            }
        default:
            throw .unsupported("mcp supports the ops \"list\", \"call_tool\", \"get_prompt\", \"read_resource\", \"status\" and \"restart\"")
        }
    }

    /// Every failure of a tool call is a result with `is_error` (fed to the model), never an ERROR.
    private func callTool(_ operation: PluginKit.Operation, _ request: Request) throws(PluginError) {
        let name = try request.string("name")
        let arguments = JSONValue.object(try request.object("arguments") ?? [:])
        let timeout = try request.seconds("timeout")
        let ticket = fleet.callTool(name, arguments: arguments, timeout: timeout, progress: { update in
            if !operation.emit(SB_EVENT_PROGRESS, name: name, data: update.json.jsonText) { operation.cancel() }
        }, completion: { route, result in
            switch result {
            case .success(let value): operation.succeed(result: ContentConverter.toolResult(value, server: route?.server ?? "", tool: name).jsonText)
            case .failure(let error): operation.succeed(result: ContentConverter.toolError(error, server: route?.server, tool: name).jsonText)
            }
        })
        if let ticket { operation.onCancel { ticket.cancel() } }
    }

    private func getPrompt(_ operation: PluginKit.Operation, _ request: Request) throws(PluginError) {
        let name = try request.string("name")
        var arguments: [String: String] = [:]
        for (key, value) in try request.object("arguments") ?? [:] {
            guard let text = value.stringValue else { throw .invalid("get_prompt: argument '\(key)' must be a string (MCP prompt arguments are strings)") }
            arguments[key] = text
        }
        let ticket = fleet.getPrompt(name, arguments: arguments) { route, result in
            Self.finish(operation, result) { ContentConverter.promptResult($0, server: route?.server ?? "", prompt: name) }
        }
        if let ticket { operation.onCancel { ticket.cancel() } }
    }

    private func readResource(_ operation: PluginKit.Operation, _ request: Request) throws(PluginError) {
        let uri = try request.string("uri")
        let server = try request.optionalString("server")
        let ticket = fleet.readResource(uri, server: server) { target, result in
            Self.finish(operation, result) { ContentConverter.resourceResult($0, server: target ?? "") }
        }
        if let ticket { operation.onCancel { ticket.cancel() } }
    }

    private static func finish(_ operation: PluginKit.Operation, _ result: Result<JSONValue, MCPError>, _ convert: (JSONValue) -> JSONValue) {
        switch result {
        case .success(let value): operation.succeed(result: convert(value).jsonText)
        case .failure(let error): operation.fail(error.pluginError, code: error.code.rawValue)
        }
    }

    static func abiLevel(_ level: MCPClient.LogLevel) -> Int32 {
        switch level {
        case .debug: return SB_LOG_DEBUG
        case .info: return SB_LOG_INFO
        case .warn: return SB_LOG_WARN
        case .error: return SB_LOG_ERROR
        }
    }
}

/// An op's request object, with lookups that name the bad field.
private struct Request {
    let fields: [String: JSONValue]

    init(_ json: String) throws(PluginError) {
        guard let value = try? JSONValue.parse(json), case .object(let fields) = value else { throw .invalid("the request must be a JSON object") }
        self.fields = fields
    }

    func string(_ key: String) throws(PluginError) -> String {
        guard let text = try optionalString(key) else { throw .invalid("the request needs \"\(key)\" (a non-empty string)") }
        return text
    }

    func optionalString(_ key: String) throws(PluginError) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let text)? where !text.isEmpty: return text
        default: throw .invalid("\"\(key)\" must be a non-empty string")
        }
    }

    func object(_ key: String) throws(PluginError) -> [String: JSONValue]? {
        switch fields[key] {
        case nil, .null?: return nil
        case .object(let members)?: return members
        default: throw .invalid("\"\(key)\" must be an object")
        }
    }

    func seconds(_ key: String) throws(PluginError) -> Double? {
        switch fields[key] {
        case nil, .null?: return nil
        case .int(let value)? where value > 0: return Double(value)
        case .double(let value)? where value > 0 && value.isFinite: return value
        default: throw .invalid("\"\(key)\" must be a number of seconds greater than 0")
        }
    }
}
