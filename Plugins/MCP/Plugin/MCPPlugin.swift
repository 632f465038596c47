import PluginABI
import PluginKit

// MCP: MCP servers (stdio and Streamable HTTP, from servers_config.json) as one tool source,
// "mcp". Each server is supervised on its own; ops and their JSON: docs/PLUGINS.md, "tool_source".

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(
        name: "MCP", version: "1.0.0", summary: "MCP servers (stdio and Streamable HTTP) as a tool source",
        components: [Component(kind: .toolSource, name: "mcp", summary: "tools, prompts and resources of the servers in servers_config.json",
                               make: { context throws(PluginError) in try MCPToolSource(context: context) })],
        host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
