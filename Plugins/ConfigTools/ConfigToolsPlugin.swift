import PluginABI
import PluginKit

// ConfigTools: lets the model read and change an allow-listed set of runtime settings (by
// default the active provider's model and temperature, and chat.system_prompt), through the
// host's config ops. One tool source, "config_tools". Off by default: see docs/PLUGINS.md.

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(
        name: "ConfigTools", version: "1.0.0", summary: "tools for the model to read and change allow-listed runtime settings",
        components: [Component(kind: .toolSource, name: "config_tools", summary: "list_settings, get_setting, set_setting",
                               make: { context throws(PluginError) in try ConfigTools(context: context) })],
        host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
