import Dispatch
import Foundation
import PluginABI
import Synchronization

/// Holds the running configuration and replaces it, while the host serves, when plugins.yaml,
/// the runtime overrides file or servers_config.json change (`ConfigFileWatcher`, the config ops).
///
/// A reload reads and validates everything first. An invalid change is rejected: every problem
/// is logged as `file:line:col: message` and the running configuration stays. A valid one is
/// applied without dropping anything: the log level, plugins' config blocks (`reconfigure`),
/// servers_config.json (the `mcp` tool source), the active provider and its fallbacks (new
/// turns only), then every `ConfigurationListener`. What needs a restart is reported, never
/// silently ignored. One summary line is logged per reload.
///
/// Threading: reloads run one at a time on `queue`, the host's configuration thread. `current`
/// may be read from any thread.
public final class ConfigurationReloader: Sendable {
    /// What one reload did.
    public struct Report: Sendable, Equatable {
        /// The overrides file's version after the reload (0 without one).
        public var version = 0
        /// Dotted keys that changed, plus `servers_config.json` when that file did.
        public var changed: [String] = []
        public var restartNeeded: [String] = []
        /// Validation problems (the change was rejected) or a component's refusal (that component kept its old configuration).
        public var errors: [String] = []
        /// True when the change was invalid and nothing was applied.
        public var rejected = false

        var json: JSONValue {
            .object(["version": .int(Int64(version)), "changed": .array(changed.map(JSONValue.string)),
                     "restart_needed": .array(restartNeeded.map(JSONValue.string)), "errors": .array(errors.map(JSONValue.string)),
                     "rejected": .bool(rejected)])
        }
    }

    private struct State {
        var current: HostConfig
        var version: Int
        var serversText: String?
        var listeners: [any ConfigurationListener] = []
    }

    /// The host's configuration thread: every reload, and every config op, runs here in order.
    public let queue = DispatchQueue(label: "switchboard.configuration")
    public let editor: RuntimeConfigEditor
    private let state: Mutex<State>
    private let services: HostServices
    private let chain: ProviderChain?
    /// Touched only on `queue` once the host serves (see `Registry`).
    nonisolated(unsafe) private let registry: Registry?

    /// - Parameters:
    ///   - layers: the configuration the host started with.
    ///   - registry: the running plugins; nil for a host without plugins (tests).
    ///   - chain: the provider list to replace when `active.provider`/`fallbacks` change.
    public init(layers: LayeredConfig, services: HostServices, registry: Registry?, chain: ProviderChain?) {
        editor = RuntimeConfigEditor(configFile: layers.file, overrides: layers.overrides, environment: layers.environment)
        let serversPath = layers.config.serversConfigPath
        state = Mutex(State(current: layers.config, version: layers.runtime?.version ?? 0,
                            serversText: try? String(contentsOfFile: serversPath, encoding: .utf8)))
        self.services = services
        self.registry = registry
        self.chain = chain
    }

    var servicesLogger: Logger { services.logger }

    /// The configuration in effect now.
    public var current: HostConfig { state.withLock { $0.current } }
    /// The overrides file's version in effect now (0 without one).
    public var version: Int { state.withLock { $0.version } }

    /// The files whose changes are reloaded: plugins.yaml, the overrides file, servers_config.json.
    public var watchedFiles: [String] {
        let config = current
        return [config.file, config.runtimeOverridesPath, config.serversConfigPath].compactMap { $0 }
            .map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }

    /// Registers a listener, called after each valid reload from now on.
    public func addListener(_ listener: any ConfigurationListener) { state.withLock { $0.listeners.append(listener) } }

    /// Reloads now and waits for the result. - Important: never call it on `queue` itself.
    @discardableResult
    public func reloadNow(trigger: String = "requested") -> Report { queue.sync { reload(trigger: trigger) } }

    /// Reloads on `queue` without waiting.
    public func scheduleReload(trigger: String) { queue.async { [self] in _ = reload(trigger: trigger) } }

    /// Reads, validates, diffs and applies. - Important: runs on `queue` only.
    func reload(trigger: String) -> Report {
        dispatchPrecondition(condition: .onQueue(queue))
        let log = services.logger
        let (previous, previousVersion, previousServers) = state.withLock { ($0.current, $0.version, $0.serversText) }
        var report = Report(version: previousVersion)

        let layers: LayeredConfig
        var serversText: String?
        do throws(ConfigError) {
            layers = try editor.read()
            serversText = try? String(contentsOfFile: layers.config.serversConfigPath, encoding: .utf8)
            if let serversText { _ = try ServersConfig.validate(serversText, file: layers.config.serversConfigPath) }
        } catch {
            for diagnostic in error.diagnostics { log.error("config", diagnostic.description) }
            log.error("config", "configuration change rejected (\(trigger)): \(error.diagnostics.count) problem(s); still running version \(previousVersion)")
            report.errors = error.diagnostics.map(\.description)
            report.rejected = true
            return report
        }
        let new = layers.config
        let diff = ConfigurationDiff(previous, new)
        let serversChanged = serversText != previousServers || diff.serversConfigMoved
        report.version = layers.runtime?.version ?? 0
        guard !diff.isEmpty || serversChanged else {
            state.withLock { $0.version = report.version }
            log.debug("config", "configuration unchanged (\(trigger))")
            return report
        }
        report.changed = diff.changedKeys + (serversChanged ? [(new.serversConfigPath as NSString).lastPathComponent] : [])
        report.restartNeeded = diff.restartNeeded

        services.configurationDocument = new.effectiveDocument  // before reconfigure: plugins read it through config_get
        if let level = diff.logLevel { log.level = level }
        log.format = new.logFormat
        var reconfigured = Set<String>()
        for plugin in diff.pluginBlocks {
            reconfigure(plugin: plugin, in: new, report: &report)
            reconfigured.insert(plugin)
        }
        if serversChanged, let mcp = registry?.instance(named: "mcp"), !reconfigured.contains(mcp.descriptor.pluginName) {
            reconfigure(mcp, with: registry?.pluginConfig(mcp.descriptor.pluginName) ?? .object([:]), what: "servers_config", report: &report)
        }
        if diff.providersChanged { replaceProviders(new.active, report: &report) }
        for listener in state.withLock({ $0.listeners }) { report.restartNeeded += listener.apply(new, previous: previous) }

        state.withLock { state in
            state.current = new
            state.version = report.version
            state.serversText = serversText
        }
        var summary = "configuration reloaded (version \(report.version)): changed \(report.changed.joined(separator: ", "))"
        if !report.restartNeeded.isEmpty { summary += "; needs a restart: " + report.restartNeeded.joined(separator: ", ") }
        if !report.errors.isEmpty { summary += "; refused: " + report.errors.joined(separator: "; ") }
        log.info("config", summary)
        return report
    }

    /// Gives one plugin's instances its new block (env: resolved, as at create).
    private func reconfigure(plugin: String, in config: HostConfig, report: inout Report) {
        guard let registry, registry.plugins[plugin] != nil, let settings = config.plugins.first(where: { $0.name == plugin }) else { return }
        let resolved: JSONValue
        do throws(ConfigError) { resolved = try EnvironmentResolver(environment: editor.environment).resolve(settings.config) } catch {
            let message = "plugins.\(plugin).config: " + error.diagnostics.map(\.description).joined(separator: "; ")
            services.logger.error("config", message + "; the plugin keeps its previous configuration")
            report.errors.append(message)
            return
        }
        registry.setPluginConfig(plugin, resolved)
        for instance in registry.instances(ofPlugin: plugin) {
            reconfigure(instance, with: resolved, what: "plugins.\(plugin).config", report: &report)
        }
    }

    private func reconfigure(_ instance: ComponentInstance, with config: JSONValue, what: String, report: inout Report) {
        do throws(ComponentError) {
            try instance.reconfigure(config)
            services.logger.debug("config", "reconfigured \(instance.kind) '\(instance.name)'")
        } catch where error.status == SB_ERR_UNSUPPORTED {
            services.logger.warn("config", "\(what): \(instance.kind) '\(instance.name)' needs a restart: \(error.message)")
            report.restartNeeded.append("\(what) (\(instance.name): \(error.message))")
        } catch {
            services.logger.error("config", "\(what): \(instance.kind) '\(instance.name)' refused the change: \(error.message); it keeps its previous configuration")
            report.errors.append("\(what): '\(instance.name)' refused: \(error.message)")
        }
    }

    /// New turns use the new provider list; running turns keep theirs. Providers not created yet
    /// are created from loaded plugins; a name no loaded plugin offers needs a restart.
    private func replaceProviders(_ active: ActiveComponents, report: inout Report) {
        guard let chain, let registry else { return }
        func candidate(_ name: String, model: String?) -> ProviderChain.Candidate? {
            if let instance = registry.instance(named: name) { return instance.kind == .provider ? .init(instance: instance, model: model) : nil }
            guard registry.components[name]?.kind == .provider else { return nil }
            do throws(RegistryError) {
                let instance = try registry.createComponent(named: name, kind: .provider)
                services.logger.info("config", "created provider '\(name)'")
                return .init(instance: instance, model: model)
            } catch {
                services.logger.error("config", error.message)
                return nil
            }
        }
        guard let primaryName = active.provider else {
            report.restartNeeded.append("active.provider removed (the running provider stays until a restart)")
            return
        }
        guard let primary = candidate(primaryName, model: nil) else {
            report.restartNeeded.append("active.provider '\(primaryName)' (no loaded plugin offers a provider by that name; still using '\(chain.candidates.first?.instance.name ?? "none")')")
            return
        }
        var candidates = [primary]
        for fallback in active.fallbacks {
            if let made = candidate(fallback.provider, model: fallback.model) { candidates.append(made) }
            else { report.restartNeeded.append("active.fallbacks '\(fallback.provider)' (no loaded plugin offers it)") }
        }
        chain.replaceCandidates(candidates)
        services.logger.info("config", "new turns use provider \(candidates.map { $0.instance.name + ($0.model.map { " (\($0))" } ?? "") }.joined(separator: ", then "))")
    }
}
