import PluginABI

/// An error a Swift plugin reports to the host: an `sb_status` and a message.
/// PluginKit turns it into the ABI's status code and error text; nothing is thrown across.
public struct PluginError: Error, Sendable {
    public var status: sb_status
    public var message: String

    public init(_ status: sb_status, _ message: String) {
        self.status = status
        self.message = message
    }

    public static func invalid(_ message: String) -> PluginError { PluginError(SB_ERR_INVALID, message) }
    public static func unsupported(_ message: String) -> PluginError { PluginError(SB_ERR_UNSUPPORTED, message) }
}
