import Foundation

/// A problem that stops `switchboard run`: one clear line for the operator.
public struct RegistryError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Loads the enabled plugins, creates the active components, and shuts them down in reverse.
///
/// Built once at start-up, then passed explicitly. A required plugin's failure is a
/// `RegistryError`; an optional plugin's failure is logged as a warning and skipped.
/// Not thread-safe: used from the task that runs the host, and while the host serves only from
/// its configuration thread (`ConfigurationReloader`), which may create providers and update
/// plugins' config blocks; the reloader is stopped before `shutdown()`.
public final class Registry {
    public let config: HostConfig
    public let services: HostServices
    /// Loaded plugins by name, and the components they offer by component name.
    public private(set) var plugins: [String: LoadedPlugin] = [:]
    public private(set) var components: [String: ComponentDescriptor] = [:]
    /// Created instances in creation order.
    public private(set) var instances: [ComponentInstance] = []
    /// Why each skipped optional plugin was skipped.
    public private(set) var skipped: [String: String] = [:]
    private var pluginConfigs: [String: JSONValue] = [:]
    private let environment: [String: String]

    public init(config: HostConfig, services: HostServices, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.config = config
        self.services = services
        self.environment = environment
    }

    private var log: Logger { services.logger }

    /// Loads every enabled plugin from `plugin_dir`, in plugins.yaml order.
    /// - Throws: `RegistryError` when the plugin directory is missing or a required plugin fails.
    public func loadPlugins() throws(RegistryError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: config.pluginDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RegistryError(message: "plugin_dir \(config.pluginDirectory) does not exist or is not a directory (set plugin_dir in \(config.file))")
        }
        for settings in config.plugins where settings.enabled {
            do throws(RegistryError) {
                try load(settings)
            } catch {
                guard !settings.required else { throw RegistryError(message: "required plugin '\(settings.name)' failed: \(error.message)") }
                log.warn("host", "skipping optional plugin '\(settings.name)': \(error.message)")
                skipped[settings.name] = error.message
            }
        }
    }

    private func load(_ settings: PluginSettings) throws(RegistryError) {
        do { pluginConfigs[settings.name] = try EnvironmentResolver(environment: environment).resolve(settings.config) } catch {
            throw RegistryError(message: error.diagnostics.map(\.description).joined(separator: "; "))
        }
        let candidates = settings.candidateFiles.map { config.pluginDirectory + "/" + $0 }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw RegistryError(message: "not found in plugin_dir \(config.pluginDirectory) (looked for \(settings.candidateFiles.joined(separator: ", ")))")
        }
        let plugin: LoadedPlugin
        switch PluginLoader.load(path: path, services: services) {
        case .success(let loaded): plugin = loaded
        case .failure(let error): throw RegistryError(message: error.message)
        }
        guard plugin.name == settings.name else {
            throw RegistryError(message: "\(path) declares plugin '\(plugin.name)', but plugins.yaml names it '\(settings.name)'")
        }
        for component in plugin.components {
            if let existing = components[component.name] {
                throw RegistryError(message: "duplicate component name '\(component.name)': already registered by plugin '\(existing.pluginName)'")
            }
        }
        for component in plugin.components { components[component.name] = component }
        plugins[plugin.name] = plugin
        log.info("host", "loaded plugin \(plugin.name) \(plugin.version) (ABI \(plugin.abiVersion)) from \(path): "
                 + plugin.components.map { "\($0.name) (\($0.kind))" }.joined(separator: ", "))
    }

    /// Creates the components selected under `active:`, store first and transports last.
    /// - Throws: `RegistryError` for an unknown name, a kind mismatch, or a required plugin's create() failure.
    public func createActiveComponents() throws(RegistryError) {
        for (name, kind) in config.active.ordered {
            guard let descriptor = components[name] else {
                let offered = components.values.filter { $0.kind == kind }.map(\.name).sorted()
                let available = offered.isEmpty ? "" : " (available: \(offered.joined(separator: ", ")))"
                guard skipped.isEmpty else {
                    // A skipped optional plugin may be the one that offers it: degrade, loudly.
                    log.warn("host", "active \(kind) '\(name)' is not offered by any loaded plugin\(available); "
                             + "skipped optional plugin(s) \(skipped.keys.sorted().joined(separator: ", ")) may offer it; continuing without it")
                    continue
                }
                throw RegistryError(message: "active \(kind) '\(name)' is not offered by any loaded plugin\(available)")
            }
            guard descriptor.kind == kind else {
                throw RegistryError(message: "active \(kind) '\(name)' is a \(descriptor.kind) component, not a \(kind)")
            }
            let required = config.plugins.first(where: { $0.name == descriptor.pluginName })?.required ?? false
            do throws(ComponentError) {
                let instance = try ComponentInstance(descriptor: descriptor, config: pluginConfigs[descriptor.pluginName] ?? .object([:]),
                                                     services: services)
                instances.append(instance)
                log.info("host", "created \(kind) '\(name)'")
            } catch {
                let message = "\(kind) '\(name)' of plugin '\(descriptor.pluginName)' failed to start: \(error.message)"
                guard !required else { throw RegistryError(message: "required " + message) }
                log.warn("host", "skipping optional " + message)
            }
        }
    }

    /// Creates one component by name (whatever `active:` says), for commands such as `ask`.
    /// - Throws: `RegistryError` when no loaded plugin offers it or its create() fails.
    public func createComponent(named name: String, kind: ComponentKind) throws(RegistryError) -> ComponentInstance {
        guard let descriptor = components[name], descriptor.kind == kind else {
            let offered = components.values.filter { $0.kind == kind }.map(\.name).sorted()
            throw RegistryError(message: "no loaded plugin offers a \(kind) named '\(name)'" + (offered.isEmpty ? "" : " (available: \(offered.joined(separator: ", ")))"))
        }
        do throws(ComponentError) {
            let instance = try ComponentInstance(descriptor: descriptor, config: pluginConfigs[descriptor.pluginName] ?? .object([:]), services: services)
            instances.append(instance)
            return instance
        } catch {
            throw RegistryError(message: "\(kind) '\(name)' failed to start: \(error.message)")
        }
    }

    /// The resolved config block a plugin's components were created with (or last reconfigured to).
    public func pluginConfig(_ plugin: String) -> JSONValue? { pluginConfigs[plugin] }

    /// Records a plugin's new resolved config block: components created from now on get it.
    public func setPluginConfig(_ plugin: String, _ config: JSONValue) { pluginConfigs[plugin] = config }

    /// The created instances of one plugin's components.
    public func instances(ofPlugin plugin: String) -> [ComponentInstance] { instances.filter { $0.descriptor.pluginName == plugin } }

    /// The created instance of a component, if any.
    public func instance(named name: String) -> ComponentInstance? { instances.first { $0.name == name } }

    /// Destroys every instance in reverse creation order.
    public func shutdown() {
        while let instance = instances.popLast() {
            instance.destroy()
            log.info("host", "destroyed \(instance.kind) '\(instance.name)'")
        }
    }
}
