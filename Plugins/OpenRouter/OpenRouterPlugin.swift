import OpenAICompatible
import PluginABI
import PluginKit

// OpenRouter: the OpenRouter chat-completions provider, built on the shared OpenAI-compatible client.

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(name: "OpenRouter", version: "1.0.0", summary: "OpenRouter provider",
                       components: [ProviderComponent.make(.openRouter, summary: "OpenRouter chat completions, streamed with tools and reasoning")],
                       host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
