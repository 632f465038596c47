import PluginABI

/// A component as its plugin declared it. The function pointers stay valid forever because
/// plugins are never unloaded.
public struct ComponentDescriptor: @unchecked Sendable {
    public let kind: ComponentKind
    public let name: String
    public let summary: String
    public let pluginName: String
    /// The plugin's C vtable, for callers that drive the ABI directly (benchmarks, tests).
    public let vtable: sb_component
}

/// A plugin whose entry succeeded and whose descriptor passed every check.
public struct LoadedPlugin: Sendable {
    public let path: String
    public let name: String
    public let version: String
    public let summary: String
    public let abiVersion: String
    public let toolchain: String?
    public let components: [ComponentDescriptor]
}

/// Why a .so could not be used as a plugin. `message` starts with the file name.
public struct PluginLoadError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String

    public var fileName: String { String(path.split(separator: "/").last ?? Substring(path)) }
    public var message: String { "\(fileName): \(reason)" }
    public var description: String { message }
}
