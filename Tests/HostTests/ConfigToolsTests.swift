import Foundation
import PluginTestKit
import Testing
@testable import Host

/// The config ops (`config_get`, `config_set`, ...) and the `config_tools` tool source that uses them.
@Suite struct ConfigToolsTests {
    static let config = """
        runtime_overrides: runtime.yaml
        log: {level: info}
        plugins:
          ExampleC: {config: {delay_ms: 0, api_key: sk-secret-1}}
          ConfigTools: {config: {settings: [provider.delay_ms, provider.temperature, log.level]}}
          WebSocket: {enabled: false, config: {api_keys: [{key: literal-client-key-42, owner: alice}]}}
        active: {provider: echo, tool_sources: [config_tools]}
        """

    /// The ConfigTools plugin with the config ops answering its host requests (no running host: the file is written only).
    func withTools(_ body: (PluginHarness, TemporaryDirectory) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.config)
        let block: JSONValue = .object(["settings": .array(["provider.delay_ms", "provider.temperature", "log.level"].map(JSONValue.string))])
        let harness = try PluginHarness(plugin: "ConfigTools", component: "config_tools", config: block)
        defer { harness.destroy() }
        harness.services.requestHandler = RuntimeConfigOps(editor: RuntimeConfigEditor(configFile: directory.path + "/plugins.yaml", environment: [:]),
                                                           reloader: nil, pluginOfComponent: ["echo": "ExampleC"])
        try await body(harness, directory)
    }

    func call(_ harness: PluginHarness, _ tool: String, _ arguments: [String: JSONValue] = [:]) async throws -> (text: String, isError: Bool) {
        let result = try await harness.call("call_tool", .object(["name": .string(tool), "arguments": .object(arguments)]))
        return (result["tool_message"]?.stringValue ?? "", result["is_error"]?.boolValue ?? false)
    }

    @Test func theModelReadsAndChangesAllowListedSettingsOnly() async throws {
        try await withTools { harness, directory in
            let names = try await harness.call("list")["tools"]?.items.compactMap { $0["name"]?.stringValue }
            #expect(names == ["list_settings", "get_setting", "set_setting"])
            #expect(try await call(harness, "list_settings").text.contains("provider.delay_ms, provider.temperature, log.level"))
            #expect(try await call(harness, "get_setting", ["key": .string("provider.delay_ms")]) == ("provider.delay_ms = 0", false))
            let set = try await call(harness, "set_setting", ["key": .string("provider.temperature"), "value": .double(0.25)])
            #expect(set.text.hasPrefix("provider.temperature set to 0.25") && !set.isError)
            #expect(try await call(harness, "get_setting", ["key": .string("provider.temperature")]).text == "provider.temperature = 0.25")
            let written = try RuntimeOverrides.read(path: directory.path + "/runtime.yaml")
            #expect(written.document.json == .object(["plugins": .object(["ExampleC": .object(["config": .object(["temperature": .double(0.25)])])])]))

            let refused = try await call(harness, "set_setting", ["key": .string("plugins.ExampleC.config.api_key"), "value": .string("x")])
            #expect(refused.isError && refused.text.contains("is not a setting you may change"))
            let invalid = try await call(harness, "set_setting", ["key": .string("log.level"), "value": .string("loud")])
            #expect(invalid.isError && invalid.text.contains("log.level must be one of"))
            let missing = try await call(harness, "set_setting", ["key": .string("log.level")])
            #expect(missing.isError && missing.text.contains("'value' is required"))
            #expect(try RuntimeOverrides.read(path: directory.path + "/runtime.yaml").version == written.version, "refusals write nothing")
        }
    }

    @Test func configOpsRedactSecretsAndReportErrorsWithCodes() async throws {
        try await withTools { harness, directory in
            let ops = try #require(harness.services.requestHandler as? RuntimeConfigOps)
            let secret = ops.perform("config_get", key: "plugins.ExampleC.config.api_key", value: .null, caller: "test")
            #expect(secret.kind == .done && secret.data.contains("<redacted>") && !secret.data.contains("sk-secret"))
            let whole = ops.perform("config_get", key: "plugins.ExampleC", value: .null, caller: "test")
            #expect(!whole.data.contains("sk-secret"))
            #expect(ops.perform("config_get", key: "log.nothing", value: .null, caller: "test").name == "not_found")
            // "" is the whole configuration: a client API key written in it is redacted too.
            let everything = ops.perform("config_get", key: "", value: .null, caller: "test")
            #expect(everything.kind == .done && everything.data.contains("\"owner\":\"alice\"") && !everything.data.contains("literal-client-key"))
            let bad = ops.perform("config_set", key: "log.level", value: .int(3), caller: "test")
            #expect(bad.kind == .error && bad.name == "invalid_config" && bad.data.contains("config_set log.level:1:1"))
            #expect(ops.perform("config_unset", key: "log.level", value: .null, caller: "test").name == "not_found")
            #expect(ops.perform("config_reset", key: "", value: .null, caller: "test").data.contains("\"removed\":false"))
            let context = harness.instance.context
            #expect(throws: ComponentError.self) {
                try ops.submit(op: "config_set", request: #"{"key":"log.level"}"#, from: context, sink: PluginEventSink(callback: { _, _ in 0 }, user: nil))
            }
            #expect(throws: ComponentError.self) {
                try ops.submit(op: "config_set", request: #"{"key":"","value":1}"#, from: context, sink: PluginEventSink(callback: { _, _ in 0 }, user: nil))
            }
            #expect(throws: ComponentError.self) {
                try ops.submit(op: "config_frob", request: "{}", from: context, sink: PluginEventSink(callback: { _, _ in 0 }, user: nil))
            }
        }
    }
}
