/// Something that owns settings of its own and applies them when the configuration changes at
/// run time, such as the chat orchestrator (`chat:`: system prompt, `max_tool_hops`, context
/// budget, rate limits).
///
/// ```swift
/// final class Orchestrator: ConfigurationListener {
///     private let settings: Mutex<ChatSettings>
///     func apply(_ new: HostConfig, previous: HostConfig) -> [String] {
///         settings.withLock { $0 = ChatSettings(new) }   // turns already running keep their copy
///         return []                                      // nothing here needs a restart
///     }
/// }
/// reloader.addListener(orchestrator)
/// ```
///
/// Implementation requirements: `apply` runs on the host's configuration thread (never on Swift's
/// cooperative pool), after the new configuration was validated and the plugins reconfigured, and
/// before `ConfigurationReloader.current` returns it. It must return quickly and never call back
/// into the reloader's `reload` (reading `current` is fine). Turns already running must finish
/// with the settings they started with: take a snapshot per turn.
public protocol ConfigurationListener: AnyObject, Sendable {
    /// Applies what `new` changes relative to `previous`.
    /// - Returns: one line per changed setting that needs a restart to take effect
    ///   (e.g. "chat.listen_port"), reported to the operator; empty when all was applied.
    func apply(_ new: HostConfig, previous: HostConfig) -> [String]
}
