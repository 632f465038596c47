import Foundation
import PluginTestKit
import Testing
@testable import Host

/// Provider settings changed while the host runs: the next turn uses them, running turns keep theirs.
@Suite struct LiveReconfigurationTests {
    /// A host in-process (registry, provider chain, reloader) on a plugins.yaml in a fresh folder.
    final class LiveHost: @unchecked Sendable {  // used from one test task at a time
        let folder: String
        let services: HostServices
        let registry: Registry
        let chain: ProviderChain
        let reloader: ConfigurationReloader
        let log = CapturedLines()

        init(mock: MockLLM) throws {
            folder = NSTemporaryDirectory() + "live-reconfig-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try """
                plugin_dir: \(ProviderHarness.buildDirectory)
                runtime_overrides: runtime.yaml
                plugins:
                  OpenAI: {config: {base_url: "\(mock.baseURL)", api_key: sk-test, model: "mock/text?chunks=20&rate=5", temperature: 0.1}}
                  Groq: {config: {base_url: "\(mock.baseURL)", api_key: sk-test, model: "mock/text?chunks=2"}}
                  ExampleC: {}
                active: {provider: openai}
                """.write(toFile: folder + "/plugins.yaml", atomically: true, encoding: .utf8)
            let layers = try LayeredConfig.read(file: folder + "/plugins.yaml", environment: [:])
            services = HostServices(logger: log.logger, configuration: layers.config.effectiveDocument)
            registry = Registry(config: layers.config, services: services, environment: [:])
            try registry.loadPlugins()
            try registry.createActiveComponents()
            chain = ProviderChain(candidates: RunCommand.providerCandidates(layers.config.active, registry), logger: log.logger)
            reloader = ConfigurationReloader(layers: layers, services: services, registry: registry, chain: chain)
        }

        /// `config set KEY VALUE`, then a reload, waited for off the cooperative pool.
        func set(_ key: String, _ yaml: String) async throws -> ConfigurationReloader.Report {
            _ = try reloader.editor.set(key, yaml: yaml)
            let reloader = self.reloader
            return await offThePool { reloader.reloadNow(trigger: "test") }
        }

        func startTurn(_ text: String = "hi") throws -> Received {
            let received = Received()
            _ = try chain.start(request: JSONValue.object(["messages": .array([.object(["role": .string("user"), "content": .string(text)])])]).jsonText,
                                sink: PluginEventSink(callback: Received.callback, user: Unmanaged.passUnretained(received).toOpaque()))
            return received
        }

        func finish() async {
            await offThePool { [self] in registry.shutdown() }
            try? FileManager.default.removeItem(atPath: folder)
        }
    }

    func waitUntilFinished(_ turns: [Received]) async {
        for _ in 0..<1000 where !turns.allSatisfy(\.finished) { try? await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func aParameterChangedWhileATurnStreamsIsUsedByTheNextTurnOnly() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let host = try LiveHost(mock: mock)
        let running = try host.startTurn()
        for _ in 0..<500 where running.events.isEmpty { try await Task.sleep(for: .milliseconds(10)) }  // it has begun streaming (4 s in all)
        let report = try await host.set("plugins.OpenAI.config.temperature", "0.7")
        #expect(!running.finished, "the first turn was still streaming during the reload")
        #expect(report.changed == ["plugins.OpenAI.config.temperature"] && report.errors.isEmpty)
        let next = try host.startTurn()
        await waitUntilFinished([running, next])
        #expect(running.events.text == (0..<20).map { "w\($0) " }.joined(), "the running turn finished undisturbed")
        #expect(next.events.last?.kind == .done)
        let temperatures = try await mock.requests().compactMap { $0["body"]?["temperature"]?.number }
        #expect(temperatures == [0.1, 0.7])
        await host.finish()
    }

    @Test func theActiveProviderIsSwitchedForNewTurnsAndAProviderNotYetCreatedIsCreated() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let host = try LiveHost(mock: mock)
        let running = try host.startTurn()
        let toEcho = try await host.set("active.provider", "echo")
        #expect(toEcho.changed == ["active.provider"] && toEcho.restartNeeded.isEmpty)
        let echoed = try host.startTurn("from echo")
        await waitUntilFinished([running, echoed])
        #expect(running.events.text.hasPrefix("w0 w1"), "the running turn stayed on openai")
        #expect(echoed.events.text.contains("from echo"), "the echo provider answered the new turn")
        #expect(try await mock.requests().count == 1)

        let toGroq = try await host.set("active.provider", "groq")  // loaded but never created: created now
        #expect(toGroq.restartNeeded.isEmpty)
        #expect(host.log.text.contains("created provider 'groq'"))
        let fromGroq = try host.startTurn()
        await waitUntilFinished([fromGroq])
        #expect(fromGroq.events.text == "w0 w1 ")

        let unknown = try await host.set("active.provider", "nothere")
        #expect(unknown.restartNeeded.first?.contains("active.provider 'nothere'") == true)
        #expect(host.chain.candidates.map(\.instance.name) == ["groq"], "the running list stays")
        await host.finish()
    }

    @Test func aValueTheProviderRefusesLeavesItsPreviousSettings() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let host = try LiveHost(mock: mock)
        let report = try await host.set("plugins.OpenAI.config.timeout", "-3")
        #expect(report.errors.count == 1 && report.errors[0].contains("'openai' refused"))
        let turn = try host.startTurn()
        await waitUntilFinished([turn])
        #expect(turn.events.last?.kind == .done, "still serving with the old settings")
        await host.finish()
    }
}
