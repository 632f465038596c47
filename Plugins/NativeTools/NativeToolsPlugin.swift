import PluginABI
import PluginKit

// NativeTools: tools that run inside the host process (no subprocess, no MCP), proving that a
// tool source need not be MCP. One component, "native_tools": current_time and calculator.
// Ops and their JSON: docs/PLUGINS.md, "tool_source".

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(
        name: "NativeTools", version: "1.0.0", summary: "in-process tools: current time and a calculator",
        components: [Component(kind: .toolSource, name: "native_tools", summary: "current_time (IANA time zones) and calculator",
                               make: { context throws(PluginError) in try NativeTools(context: context) })],
        host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
