import PluginABI

/// What a Swift plugin implements for one component instance.
///
/// Threading: `start`, `cancelled(_:)` and `describe` may be called from any thread at once;
/// `reconfigure` from the host's configuration thread; `shutdown` once, last.
public protocol ComponentImplementation: AnyObject, Sendable {
    /// Begins `operation`; emit events and finish it from any thread, now or later.
    /// - Throws: `PluginError` to refuse the operation (no event is delivered then).
    func start(_ operation: Operation) throws(PluginError)
    /// Applies a new config block (JSON). Default: refused, the setting needs a restart.
    func reconfigure(configJSON: String) throws(PluginError)
    /// A JSON state report, such as `{"state":"up"}`. Default: nil.
    func describe() -> String?
    /// Called after every running operation was cancelled; release resources here.
    func shutdown()
}

extension ComponentImplementation {
    public func reconfigure(configJSON: String) throws(PluginError) {
        throw .unsupported("this component cannot change its configuration without a restart")
    }
    public func describe() -> String? { nil }
    public func shutdown() {}
}

/// One component a Swift plugin offers: kind, name and a factory.
public struct Component: Sendable {
    public enum Kind: UInt32, Sendable {
        case provider = 1, store = 2, transport = 3, toolSource = 4
    }

    public let kind: Kind
    public let name: String
    public let summary: String
    public let make: @Sendable (CreateContext) throws(PluginError) -> any ComponentImplementation

    /// - Parameter make: builds an instance from its config; throw `PluginError` to refuse it.
    public init(kind: Kind, name: String, summary: String,
                make: @escaping @Sendable (CreateContext) throws(PluginError) -> any ComponentImplementation) {
        self.kind = kind
        self.name = name
        self.summary = summary
        self.make = make
    }
}

/// What `create` gives a component: its config block and a way to talk to the host.
public struct CreateContext: @unchecked Sendable {
    // The host table lives forever and its functions are thread-safe (switchboard.h).
    public let host: UnsafePointer<sb_host_api>
    /// This instance's `host_ref`: pass it to `host` functions (`submit`, `cancel`, ...); valid for the process's life.
    public let hostRef: UnsafeMutableRawPointer?
    public let componentName: String
    public let configJSON: String

    /// Writes a line to the host log under this instance's name.
    public func log(_ level: Int32, _ message: String) {
        message.withCString { host.pointee.log(hostRef, level, $0) }
    }

    /// Tells the host something changed (`SB_NOTIFY_*`), with an optional JSON payload. Any thread.
    public func notify(_ what: Int32, json: String? = nil) {
        guard var json else { return host.pointee.notify(hostRef, UInt32(what), nil, 0) }
        json.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { host.pointee.notify(hostRef, UInt32(what), $0.baseAddress, $0.count) }
        }
    }

    /// The host's effective configuration at a dotted key path, as JSON text; nil when the key
    /// does not exist. `env:NAME` values come back as written (never resolved).
    public func configValue(atPath path: String) -> String? {
        final class Box { var json: String? }
        let box = Box()
        let status = path.withCString { key in
            host.pointee.config_get(hostRef, key, { user, json, length in
                guard let user, let json else { return }
                let text = String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self)
                Unmanaged<Box>.fromOpaque(user).takeUnretainedValue().json = text
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        return status == SB_OK ? box.json : nil
    }
}
