import Foundation
import Testing
@testable import Host

/// Loading from plugins.yaml: required versus optional plugins, names, duplicates, directories.
@Suite struct RegistryTests {
    func registry(_ yaml: String, in directory: TemporaryDirectory, environment: [String: String] = [:]) throws -> (Registry, CapturedLog) {
        let file = try directory.write("plugins.yaml", yaml)
        let log = CapturedLog()
        let config = try HostConfig.load(file: file)
        return (Registry(config: config, services: HostServices(logger: log.makeLogger()), environment: environment), log)
    }

    @Test func requiredAndOptionalPluginsLoadAndActiveComponentsAreCreatedInOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try directory.stage("ExampleSwift")
        let (registry, log) = try registry("""
            plugins:
              ExampleC: {required: true}
              ExampleSwift: {}
            active: {provider: echo, tool_sources: [example_tools]}
            """, in: directory)
        try registry.loadPlugins()
        try registry.createActiveComponents()
        #expect(registry.instances.map(\.name) == ["example_tools", "echo"])
        registry.shutdown()
        #expect(registry.instances.isEmpty)
        let text = log.text
        let destroyedEcho = try #require(text.range(of: "destroyed provider 'echo'"))
        let destroyedTools = try #require(text.range(of: "destroyed tool_source 'example_tools'"))
        #expect(destroyedEcho.lowerBound < destroyedTools.lowerBound, "reverse creation order")
    }

    @Test func optionalPluginMissingFromPluginDirIsSkippedWithAWarning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        let (registry, log) = try registry("plugins:\n  ExampleC: {}\n  Ghost: {}\nactive: {provider: echo}\n", in: directory)
        try registry.loadPlugins()
        try registry.createActiveComponents()
        #expect(registry.skipped["Ghost"] == "not found in plugin_dir \(directory.path)/plugins (looked for libGhost.so, Ghost.so)")
        #expect(log.text.contains("WARN  [host] skipping optional plugin 'Ghost'"))
        #expect(registry.instances.map(\.name) == ["echo"])
        registry.shutdown()
    }

    @Test func requiredPluginMissingFromPluginDirStopsTheRun() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/plugins", withIntermediateDirectories: true)
        let (registry, _) = try registry("plugins:\n  Ghost: {required: true}\n", in: directory)
        let error = #expect(throws: RegistryError.self) { try registry.loadPlugins() }
        #expect(error?.message == "required plugin 'Ghost' failed: not found in plugin_dir \(directory.path)/plugins (looked for libGhost.so, Ghost.so)")
    }

    @Test func missingPluginDirIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (registry, _) = try registry("plugin_dir: nowhere\nplugins: {}\n", in: directory)
        let error = #expect(throws: RegistryError.self) { try registry.loadPlugins() }
        #expect(error?.message.hasPrefix("plugin_dir \(directory.path)/nowhere does not exist") == true)
    }

    @Test func duplicateComponentNamesAcrossPluginsAreRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        try await FixturePlugin.compile(to: directory.path + "/plugins/libTwin.so", defines: ["FIXTURE_NAME": "\"Twin\"", "FIXTURE_COMPONENT": "\"echo\""])
        let (registry, _) = try registry("plugins:\n  ExampleC: {}\n  Twin: {required: true}\n", in: directory)
        let error = #expect(throws: RegistryError.self) { try registry.loadPlugins() }
        #expect(error?.message == "required plugin 'Twin' failed: duplicate component name 'echo': already registered by plugin 'ExampleC'")
    }

    @Test func descriptorNameMustMatchPluginsYAML() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try await FixturePlugin.compile(to: directory.path + "/plugins/libAlias.so", defines: ["FIXTURE_NAME": "\"RealName\""])
        let (registry, _) = try registry("plugins:\n  Alias: {required: true}\n", in: directory)
        let error = #expect(throws: RegistryError.self) { try registry.loadPlugins() }
        #expect(error?.message.hasSuffix("declares plugin 'RealName', but plugins.yaml names it 'Alias'") == true)
    }

    @Test func missingEnvironmentVariableNamesIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        let (registry, _) = try registry("plugins:\n  ExampleC:\n    required: true\n    config: {api_key: env:SB_TEST_ABSENT_KEY}\n", in: directory)
        let error = #expect(throws: RegistryError.self) { try registry.loadPlugins() }
        #expect(error?.message.contains("environment variable SB_TEST_ABSENT_KEY is not set") == true)
    }

    @Test func optionalPluginWhoseCreateFailsIsSkippedAndRequiredOneStops() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        let yaml = "plugins:\n  ExampleC: {required: REQ, config: {delay_ms: -1}}\nactive: {provider: echo}\n"
        let (optional, log) = try registry(yaml.replacingOccurrences(of: "REQ", with: "false"), in: directory)
        try optional.loadPlugins()
        try optional.createActiveComponents()
        #expect(optional.instances.isEmpty)
        #expect(log.text.contains("skipping optional provider 'echo' of plugin 'ExampleC' failed to start: delay_ms must be"))
        let (required, _) = try registry(yaml.replacingOccurrences(of: "REQ", with: "true"), in: directory)
        try required.loadPlugins()
        let error = #expect(throws: RegistryError.self) { try required.createActiveComponents() }
        #expect(error?.message.hasPrefix("required provider 'echo' of plugin 'ExampleC' failed to start: delay_ms must be") == true)
    }

    @Test func activeComponentOfTheWrongKindOrUnknownIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        let (wrongKind, _) = try registry("plugins:\n  ExampleC: {}\nactive: {store: echo}\n", in: directory)
        try wrongKind.loadPlugins()
        let kindError = #expect(throws: RegistryError.self) { try wrongKind.createActiveComponents() }
        #expect(kindError?.message == "active store 'echo' is a provider component, not a store")
        let (unknown, _) = try registry("plugins:\n  ExampleC: {}\nactive: {provider: gpt}\n", in: directory)
        try unknown.loadPlugins()
        let unknownError = #expect(throws: RegistryError.self) { try unknown.createActiveComponents() }
        #expect(unknownError?.message == "active provider 'gpt' is not offered by any loaded plugin (available: echo)")
    }

    @Test func unknownActiveNameIsOnlyAWarningWhenASkippedPluginMightOfferIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.stage("ExampleC")
        let (registry, log) = try registry("plugins:\n  ExampleC: {}\n  Ghost: {}\nactive: {provider: echo, tool_sources: [ghost_tools]}\n", in: directory)
        try registry.loadPlugins()
        try registry.createActiveComponents()
        #expect(registry.instances.map(\.name) == ["echo"])
        #expect(log.text.contains("active tool_source 'ghost_tools' is not offered by any loaded plugin; skipped optional plugin(s) Ghost may offer it"))
        registry.shutdown()
    }
}

@Suite struct MetricsRegistryTests {
    @Test func rendersPrometheusTextWithCumulativeBuckets() {
        let metrics = MetricsRegistry()
        metrics.count("requests_total", "outcome=\"ok\"", by: 2)
        metrics.set("connections", to: 7)
        metrics.observe("latency_seconds", seconds: 0.003)
        metrics.observe("latency_seconds", seconds: 0.2)
        #expect(!metrics.record(kind: 0, name: "latency_seconds", labels: "", value: 1))  // another kind under the same key
        #expect(!metrics.record(kind: 0, name: "requests_total", labels: "", value: -1))
        let text = metrics.prometheusText()
        #expect(text.hasPrefix("# TYPE connections gauge\nconnections 7\n# TYPE latency_seconds histogram\n"))
        #expect(text.contains("latency_seconds_bucket{le=\"0.0025\"} 0\nlatency_seconds_bucket{le=\"0.005\"} 1\n"))
        #expect(text.contains("latency_seconds_bucket{le=\"0.25\"} 2\n"))
        #expect(text.contains("latency_seconds_bucket{le=\"+Inf\"} 2\nlatency_seconds_sum 0.203\nlatency_seconds_count 2\n"))
        #expect(text.hasSuffix("# TYPE requests_total counter\nrequests_total{outcome=\"ok\"} 2\n"))
        #expect("a\"b\\c\nd".prometheusLabelValue == "a\\\"b\\\\c\\nd")
    }
}
