import Testing
@testable import Host

@Suite struct HostConfigTests {
    static let valid = """
        plugin_dir: lib/plugins
        log:
          level: debug
        plugins:
          ExampleC:
            required: true
            config:
              delay_ms: 5
              key: env:TEST_KEY
          ExampleSwift:
            enabled: false
          Bare:
        active:
          provider: echo
          tool_sources: [example_tools]
        """

    @Test func validConfigurationIsRead() throws {
        let config = try HostConfig.parse(Self.valid, file: "/etc/sb/plugins.yaml")
        #expect(config.pluginDirectory == "/etc/sb/lib/plugins")
        #expect(config.logLevel == .debug)
        #expect(config.plugins.map(\.name) == ["ExampleC", "ExampleSwift", "Bare"])
        #expect(config.plugins[0].required && config.plugins[0].enabled)
        #expect(!config.plugins[1].enabled)
        #expect(config.plugins[2].enabled && !config.plugins[2].required)
        #expect(config.plugins[0].candidateFiles == ["libExampleC.so", "ExampleC.so"])
        #expect(config.active == ActiveComponents(provider: "echo", store: nil, transports: [], toolSources: ["example_tools"]))
        #expect(config.serversConfigPath == "/etc/sb/servers_config.json")
    }

    @Test func fieldOfTheWrongTypeIsReportedWithItsPosition() throws {
        let text = "plugins:\n  ExampleC:\n    required: yes please\n    config: [1]\n"
        let error = #expect(throws: ConfigError.self) { try HostConfig.parse(text, file: "p.yaml") }
        let lines = try #require(error?.diagnostics.map(\.description))
        #expect(lines.contains("p.yaml:3:15: plugins.ExampleC.required must be true or false, found a string"))
        #expect(lines.contains("p.yaml:4:13: plugins.ExampleC.config must be a mapping, found a list"))
    }

    @Test func unknownAndDuplicateKeysAreReported() throws {
        let text = "plugin_dir: a\nplugin_dir: b\nplugns: {}\nactive:\n  provder: x\n"
        let error = #expect(throws: ConfigError.self) { try HostConfig.parse(text, file: "p.yaml") }
        let messages = try #require(error?.diagnostics.map(\.description))
        #expect(messages.contains { $0.hasPrefix("p.yaml:2:1: duplicate key 'plugin_dir'") })
        #expect(messages.contains { $0.hasPrefix("p.yaml:3:1: unknown key 'plugns'") })
        #expect(messages.contains { $0.hasPrefix("p.yaml:5:3: unknown key 'provder' in active") })
    }

    @Test func pluginFileMustNotBeAPath() throws {
        let error = #expect(throws: ConfigError.self) { try HostConfig.parse("plugins:\n  X:\n    file: ../x.so\n", file: "p.yaml") }
        #expect(error?.diagnostics.first?.message.contains("not a path") == true)
    }

    @Test func setOverridesChangeOneValueWithYAMLTyping() throws {
        let overrides = try ["plugins.ExampleC.required=false", "log.level=warn", "active.transports=[ws, http]",
                             "plugins.New.config.x=1"].map { try ConfigOverride(parsing: $0) }
        let config = try HostConfig.parse(Self.valid, file: "p.yaml", overrides: overrides)
        #expect(!config.plugins[0].required)
        #expect(config.logLevel == .warn)
        #expect(config.active.transports == ["ws", "http"])
        #expect(config.plugins.last?.name == "New")
        #expect(config.plugins.last?.config.json == .object(["x": .int(1)]))
    }

    @Test func badSetValueIsReportedAgainstTheArgument() throws {
        let override = try ConfigOverride(parsing: "plugins.ExampleC.required=maybe")
        let error = #expect(throws: ConfigError.self) { try HostConfig.parse(Self.valid, file: "p.yaml", overrides: [override]) }
        #expect(error?.diagnostics.first?.description == "--set plugins.ExampleC.required=maybe:1:27: plugins.ExampleC.required must be true or false, found a string")
    }

    @Test func malformedSetArgumentsAreRejected() {
        #expect(throws: ConfigError.self) { try ConfigOverride(parsing: "no-equals-sign") }
        #expect(throws: ConfigError.self) { try ConfigOverride(parsing: "a..b=1") }
        #expect(throws: ConfigError.self) {
            try HostConfig.parse("plugin_dir: x\n", file: "p.yaml", overrides: [try ConfigOverride(parsing: "plugin_dir.sub=1")])
        }
    }

    @Test func environmentValuesResolveAndMissingOnesAreNamed() throws {
        let config = try HostConfig.parse(Self.valid, file: "p.yaml")
        let block = config.plugins[0].config
        #expect(try EnvironmentResolver(environment: ["TEST_KEY": "s3cret"]).resolve(block)
                == .object(["delay_ms": .int(5), "key": .string("s3cret")]))
        let error = #expect(throws: ConfigError.self) { try EnvironmentResolver(environment: [:]).resolve(block) }
        #expect(error?.diagnostics.first?.description == "p.yaml:9:12: environment variable TEST_KEY is not set (the value is written env:TEST_KEY)")
    }

    @Test func effectiveDocumentCarriesTheResolvedServersConfigPathForPlugins() throws {
        let fromEnvironment = try HostConfig.parse("log: {level: info}\n", file: "/b/plugins.yaml", environment: ["MCP_SERVERS_CONFIG_PATH": "s.json"])
        #expect(fromEnvironment.effectiveDocument["servers_config"] == .string("/b/s.json"))
        let relative = try HostConfig.parse("servers_config: conf/servers.json\n", file: "/a/plugins.yaml")
        #expect(relative.effectiveDocument["servers_config"] == .string("/a/conf/servers.json"))
        #expect(relative.effectiveDocument["log"] == nil, "nothing else is added")
    }

    @Test func serversConfigPathComesFromEnvironmentWhenNotConfigured() throws {
        let config = try HostConfig.parse("plugin_dir: x\n", file: "/a/p.yaml", environment: ["MCP_SERVERS_CONFIG_PATH": "/b/s.json"])
        #expect(config.serversConfigPath == "/b/s.json")
        let explicit = try HostConfig.parse("servers_config: mine.json\n", file: "/a/p.yaml", environment: ["MCP_SERVERS_CONFIG_PATH": "/b/s.json"])
        #expect(explicit.serversConfigPath == "/a/mine.json")
    }

    @Test func missingFileIsAClearError() {
        let error = #expect(throws: ConfigError.self) { try HostConfig.load(file: "/nonexistent/plugins.yaml") }
        #expect(error?.description == "/nonexistent/plugins.yaml:1:1: cannot read the configuration file: No such file or directory")
    }
}
