import Foundation
import Testing
@testable import Host

/// The runtime overrides file: layering over plugins.yaml, validated edits, atomic writes, reset.
@Suite struct RuntimeOverridesTests {
    static let base = """
        plugin_dir: plugins
        runtime_overrides: runtime.yaml
        log: {level: info}
        plugins:
          ExampleC:
            required: true
            config: {delay_ms: 0, tags: [a, b], nested: {keep: 1, change: 2}}
        active: {provider: echo, tool_sources: [example_tools]}
        """

    func editor(_ directory: TemporaryDirectory, overrides: [ConfigOverride] = []) -> RuntimeConfigEditor {
        RuntimeConfigEditor(configFile: directory.path + "/plugins.yaml", overrides: overrides, environment: [:])
    }

    @Test func overridesMergeDeeplyScalarsAndListsReplaceAndSetWinsLast() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.base)
        try directory.write("runtime.yaml", """
            log: {level: debug}
            plugins:
              ExampleC:
                config: {tags: [c], nested: {change: 3}}
            _runtime_config: {version: 7, last_modified: 1755070820.5}
            """)
        let layers = try LayeredConfig.read(file: directory.path + "/plugins.yaml", overrides: [try ConfigOverride(parsing: "log.level=warn")], environment: [:])
        #expect(layers.runtime?.version == 7)
        #expect(layers.config.logLevel == .warn, "--set applies after the overrides file")
        let block = try #require(layers.config.plugins.first?.config.json)
        #expect(block == .object(["delay_ms": .int(0), "tags": .array([.string("c")]), "nested": .object(["keep": .int(1), "change": .int(3)])]))
        #expect(layers.config.plugins.first?.required == true)
        #expect(layers.config.effectiveDocument["_runtime_config"] == nil, "metadata is not configuration")
    }

    @Test func anErrorInTheOverridesFileIsReportedAtItsOwnLineAndColumn() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.base)
        try directory.write("runtime.yaml", "log:\n  level: loud\nruntime_overrides: other.yaml\n")
        let error = try #require(throws: ConfigError.self) { try LayeredConfig.read(file: directory.path + "/plugins.yaml", environment: [:]) }
        #expect(error.diagnostics.map(\.description) == ["\(directory.path)/runtime.yaml:3:1: runtime_overrides can only be set in the main configuration file"])
        try directory.write("runtime.yaml", "log:\n  level: loud\n")
        let invalid = try #require(throws: ConfigError.self) { try LayeredConfig.read(file: directory.path + "/plugins.yaml", environment: [:]) }
        #expect(invalid.diagnostics.first?.location == SourceLocation(file: directory.path + "/runtime.yaml", line: 2, column: 10))
    }

    @Test func setValidatesTheWholeConfigurationAndWritesAtomicallyWithMetadata() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.base)
        let editor = editor(directory)
        let first = try editor.set("plugins.ExampleC.config.delay_ms", yaml: "25")
        #expect(first.version == 1 && first.value == .int(25))
        let second = try editor.set("log.level", yaml: "debug")
        #expect(second.version == 2)
        let written = try RuntimeOverrides.read(path: directory.path + "/runtime.yaml")
        #expect(written.version == 2 && written.lastModified != nil)
        #expect(written.document.json == .object(["plugins": .object(["ExampleC": .object(["config": .object(["delay_ms": .int(25)])])]),
                                                   "log": .object(["level": .string("debug")])]), "only what changed is written")
        #expect(try editor.read().config.logLevel == .debug)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty, "the temporary file was renamed into place")
        #expect(try String(contentsOfFile: directory.path + "/plugins.yaml", encoding: .utf8) == Self.base, "plugins.yaml is never written")
    }

    @Test func aBadKeyOrValueIsRefusedAndTheFileIsUntouched() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.base)
        let editor = editor(directory)
        try editor.set("log.level", yaml: "warn")
        let before = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/runtime.yaml"))
        let refusals: [(String, String, String)] = [
            ("log.level", "loud", "config set log.level:1:1: log.level must be one of trace, debug, info, warn, error, found 'loud'"),
            ("nonsense.key", "1", "config set nonsense.key:1:1: unknown key 'nonsense' in the configuration"),
            ("plugins.ExampleC.required", "maybe", "config set plugins.ExampleC.required:1:1: plugins.ExampleC.required must be true or false, found a string"),
            ("log..level", "x", "config set log..level:1:1: 'log..level' is not a key"),
            ("_runtime_config.version", "9", "'_runtime_config' cannot be changed at run time"),
            ("runtime_overrides", "x.yaml", "'runtime_overrides' cannot be changed at run time"),
            ("log.level.deeper", "x", "cannot set 'deeper'"),
            ("log.level", "[unclosed", "YAML syntax error"),
        ]
        for (key, value, message) in refusals {
            let error = try #require(throws: ConfigError.self) { try editor.set(key, yaml: value) }
            #expect(error.description.contains(message), "\(key)=\(value): \(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/runtime.yaml")) == before)
    }

    @Test func withoutAnOverridesFileConfiguredSetSaysHowToConfigureOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", "log: {level: info}\n")
        let error = try #require(throws: ConfigError.self) { try editor(directory).set("log.level", yaml: "debug") }
        #expect(error.description.contains("add `runtime_overrides: runtime.yaml` to plugins.yaml"))
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/runtime.yaml"))
    }

    @Test func unsetAndResetRestorePluginsYAML() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.base)
        let editor = editor(directory)
        try editor.set("log.level", yaml: "debug")
        try editor.set("plugins.ExampleC.config.delay_ms", yaml: "5")
        let unset = try #require(try editor.unset("log.level"))
        #expect(unset.config.logLevel == .info && unset.version == 3)
        #expect(try editor.unset("log.level") == nil, "nothing left to unset")
        // reset-config works even when the overrides file is what breaks the configuration
        try directory.write("runtime.yaml", "log: {level: [broken\n")
        #expect(throws: ConfigError.self) { try editor.read() }
        #expect(try editor.reset().removed)
        #expect(try editor.reset().removed == false)
        #expect(try editor.read().config.plugins.first?.config.json["delay_ms"] == .int(0))
    }

    @Test func writtenValuesReadBackUnchanged() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("plugins.yaml", Self.base)
        let editor = editor(directory)
        let values: [JSONValue] = [.string("true"), .string("12"), .string("a: b # c"), .string("line\nbreak \"quoted\" \\ é"), .string("env:OPENAI_API_KEY"),
                                   .string("openai/gpt-4o-mini"), .bool(false), .double(0.25), .null, .array([.string("x"), .int(1)]),
                                   .object(["k y": .string("v"), "n": .object([:])]), .string("")]
        for (index, value) in values.enumerated() {
            let origin = SourceLocation(file: "test", line: 1, column: 1)
            try editor.set("plugins.ExampleC.config.v\(index)", to: ConfigNode(json: value, at: origin))
        }
        let block = try #require(try editor.read().config.plugins.first?.config.json)
        for (index, value) in values.enumerated() { #expect(block["v\(index)"] == value, "value \(index)") }
    }

    @Test func secretsAreRedactedButEnvironmentReferencesShownAsWritten() {
        let value: JSONValue = .object(["api_key": .string("sk-live-123"), "other_api_key": .string("env:KEY"), "token": .int(5),
                                        "max_tokens": .int(100), "headers": .object(["Authorization": .string("Bearer x"), "X": .string("y")])])
        #expect(ConfigRedaction.redact(value) == .object(["api_key": .string("<redacted>"), "other_api_key": .string("env:KEY"), "token": .string("<redacted>"),
                                                          "max_tokens": .int(100), "headers": .object(["Authorization": .string("<redacted>"), "X": .string("y")])]))
        #expect(ConfigRedaction.redact(.string("sk"), key: "password") == .string("<redacted>"))
    }
}
