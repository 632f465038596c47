import OpenAICompatible
import PluginABI
import PluginKit

// Groq: the Groq chat-completions provider, built on the shared OpenAI-compatible client.

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(name: "Groq", version: "1.0.0", summary: "Groq provider",
                       components: [ProviderComponent.make(.groq, summary: "Groq chat completions, streamed with tools and reasoning")],
                       host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
