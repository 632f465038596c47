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
        let primary = active.provider.flatMap(registry.instance(named:)).map { ProviderChain.Candidate(instance: $0) }
        let fallbacks = active.fallbacks.compactMap { fallback in
            registry.instance(named: fallback.provider).map { ProviderChain.Candidate(instance: $0, model: fallback.model) }
        }
        return (primary.map { [$0] } ?? []) + fallbacks
    }

    static func run(_ options: CommandLineOptions) async -> Int32 {
        let startedAt = ContinuousClock.now
        let signals = SignalWaiter()  // first: a signal during start-up must not be lost or fatal
        guard let layers = SwitchboardCommand.loadLayers(options) else { return 2 }
        let config = layers.config
        let services = HostServices(logger: Logger(level: config.logLevel), configuration: config.effectiveDocument)
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
        let relay = ChatRelay(chain: chain)
        services.requestHandler = relay

        let transports = registry.instances.filter { $0.kind == .transport }
        var serving: [(ComponentInstance, ComponentOperation)] = []
        for transport in transports {
            do throws(ComponentError) { serving.append((transport, try transport.start(op: "serve", request: "{}"))) } catch {
                log.error("host", "transport '\(transport.name)' failed to serve: \(error)")
                relay.stopAccepting()
                registry.shutdown()
                return 1
            }
        }
        let (pluginCount, instanceCount) = (registry.plugins.count, registry.instances.count)
        let hotReload = HotReload.start(layers: layers, services: services, registry: registry, chain: chain)  // config changes apply live
        services.requestHandler = hotReload.routing(relay)
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
            group.cancelAll()  // stops the other waits; cancelled event streams cancel their serve ops
            return first
        }

        relay.stopAccepting()  // transports may still cancel their running turns while they shut down
        var status: Int32 = 0
        switch ending {
        case .signal(let number): log.info("host", "received \(SignalWaiter.name(number)), shutting down")
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
