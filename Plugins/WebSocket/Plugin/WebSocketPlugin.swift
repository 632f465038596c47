import PluginABI
import PluginKit

// WebSocket: the "websocket" transport. Clients connect to ws://HOST:PORT/ws/chat and speak
// either dialect of docs/PROTOCOL.md; requests go to the host as the host ops of
// docs/PLUGINS.md ("transport, serve"), and their events come back as frames.

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(
        name: "WebSocket", version: "1.0.0", summary: "WebSocket transport for chat clients (libwebsockets)",
        components: [Component(kind: .transport, name: "websocket", summary: "serves chat clients over WebSocket (both client dialects)",
                               make: { context throws(PluginError) in try WebSocketTransport(context: context) })],
        host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
