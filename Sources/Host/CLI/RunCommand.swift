import Foundation

/// `switchboard run`: the host process.
enum RunCommand {
    /// How a run ends: a signal (graceful, exit 0) or a failed transport.
    private enum Ending: Sendable {
        case signal(Int32)
        case transportEnded(name: String, error: String?)
        case cancelled
    }

    /// The active provider, then each fallback that was created.
    static func providerCandidates(_ active: ActiveComponents, _ registry: Registry) -> [ProviderChain.Candidate] {
        // The model a provider uses when a request names none: its config block's `model`.
        func defaultModel(_ instance: ComponentInstance) -> String? {
            registry.config.plugins.first { $0.name == instance.descriptor.pluginName }?.config["model"]?.json.stringValue
        }
        let primary = active.provider.flatMap(registry.instance(named:)).map { ProviderChain.Candidate(instance: $0, defaultModel: defaultModel($0)) }
        let fallbacks = active.fallbacks.compactMap { fallback in
            registry.instance(named: fallback.provider).map { ProviderChain.Candidate(instance: $0, model: fallback.model, defaultModel: defaultModel($0)) }
        }
        return (primary.map { [$0] } ?? []) + fallbacks
    }

    /// The orchestrator over the active store, tool sources and providers.
    static func orchestrator(_ config: HostConfig, _ registry: Registry, chain: ProviderChain) -> Orchestrator {
        Orchestrator(settings: config.chat, chain: chain, store: config.active.store.flatMap(registry.instance(named:)),
                     toolSources: config.active.toolSources.compactMap(registry.instance(named:)), services: registry.services)
    }

    static func run(_ options: CommandLineOptions) async -> Int32 {
        let startedAt = ContinuousClock.now
        let signals = SignalWaiter()  // first: a signal during start-up must not be lost or fatal
        guard let layers = SwitchboardCommand.loadLayers(options) else { return 2 }
        let config = layers.config
        let services = HostServices(logger: Logger(level: config.logLevel, format: config.logFormat), configuration: config.effectiveDocument)
        let log = services.logger
        let registry = Registry(config: config, services: services)
        do throws(RegistryError) {
            try registry.loadPlugins()
            try registry.createActiveComponents()
        } catch {
            registry.shutdown()
            SwitchboardCommand.printError("switchboard: \(error.message)")
            return 1
        }
        let chain = ProviderChain(candidates: providerCandidates(config.active, registry), logger: log)
        let orchestrator = orchestrator(config, registry, chain: chain)
        // Host ops: health and metrics, the orchestrator's, and (once serving) the config ops.
        let statusOps = StatusOps(instances: registry.instances, services: services, accepting: { orchestrator.isAccepting })
        let hostOps = HostOpRouter(routes: [(StatusOps.ops, statusOps)], fallback: orchestrator)
        services.requestHandler = hostOps

        let transports = registry.instances.filter { $0.kind == .transport }
        var serving: [(ComponentInstance, ComponentOperation)] = []
        for transport in transports {
            do throws(ComponentError) { serving.append((transport, try transport.start(op: "serve", request: "{}"))) } catch {
                log.error("host", "transport '\(transport.name)' failed to serve: \(error)")
                orchestrator.stopAccepting()
                registry.shutdown()
                return 1
            }
        }
        let (pluginCount, instanceCount) = (registry.plugins.count, registry.instances.count)
        let hotReload = HotReload.start(layers: layers, services: services, registry: registry, chain: chain)  // config changes apply live
        services.requestHandler = hotReload.routing(hostOps)
        hotReload.reloader.addListener(orchestrator)  // chat settings apply to new turns
        let elapsed = ContinuousClock.now - startedAt
        log.info("host", "ready: \(pluginCount) plugins loaded, \(instanceCount) components created in "
                 + String(format: "%.1f ms", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000))

        let ending = await withTaskGroup(of: Ending.self) { group in
            group.addTask { await signals.next().map(Ending.signal) ?? .cancelled }
            for (transport, operation) in serving {
                let name = transport.name
                group.addTask {
                    for await event in operation.events where event.isTerminal {
                        return .transportEnded(name: name, error: event.kind == .error ? event.text : nil)
                    }
                    return .cancelled
                }
            }
            let first = await group.next() ?? .cancelled
            if case .signal(let number) = first {
                log.info("host", "received \(SignalWaiter.name(number)): no new requests; running turns have \(orchestrator.settings.shutdownGrace) s to finish")
                // Graceful: transports keep serving while running turns finish (or are cancelled
                // and stored at the end of the grace period).
                await orchestrator.drain(grace: .milliseconds(Int(orchestrator.settings.shutdownGrace * 1000)))
            }
            group.cancelAll()  // stops the other waits; cancelled event streams cancel their serve ops
            return first
        }

        orchestrator.stopAccepting()  // transports may still cancel their running turns while they shut down
        var status: Int32 = 0
        switch ending {
        case .signal: log.info("host", "shutting down")
        case .transportEnded(let name, let error?):
            log.error("host", "transport '\(name)' stopped: \(error)")
            status = 1
        case .transportEnded(let name, nil): log.info("host", "transport '\(name)' stopped, shutting down")
        case .cancelled: break
        }
        hotReload.stop()
        registry.shutdown()
        services.requestHandler = nil
        log.info("host", "stopped")
        return status
    }
}
