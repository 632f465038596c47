import OpenAICompatible
import PluginABI
import PluginKit

// OpenAI: the OpenAI (and any OpenAI-compatible server via base_url) chat-completions provider, built on the shared OpenAI-compatible client.

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(name: "OpenAI", version: "1.0.0", summary: "OpenAI (and any OpenAI-compatible server via base_url) provider",
                       components: [ProviderComponent.make(.openAI, summary: "OpenAI (and any OpenAI-compatible server via base_url) chat completions, streamed with tools and reasoning")],
                       host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
