import PluginABI
import PluginKit

// SQLiteStore: durable conversation history (component "sqlite", the embedded default) and an
// ephemeral in-memory store with the same behaviour (component "memory") for tests and
// no-history deployments. Ops and their JSON: docs/PLUGINS.md, "store".

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(
        name: "SQLiteStore", version: "1.0.0", summary: "conversation history in SQLite (WAL), or in memory",
        components: [
            Component(kind: .store, name: "sqlite", summary: "durable history in an SQLite file",
                      make: { context throws(PluginError) in try SQLiteStore(context: context, inMemory: false) }),
            Component(kind: .store, name: "memory", summary: "ephemeral history in memory, same behaviour",
                      make: { context throws(PluginError) in try SQLiteStore(context: context, inMemory: true) }),
        ],
        host: host, descriptor: out, err: err, errCapacity: errCapacity)
}
