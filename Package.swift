// swift-tools-version: 6.0
// Switchboard: a chat backend whose providers, stores, transports and tool sources are .so plugins.
// No package dependencies: Foundation, Glibc and Debian's C libraries through system-library targets.
import PackageDescription

/// C plugins must not depend on host symbols (plugin-abi.md rule 2).
let cPluginLinkerSettings: [LinkerSetting] = [.unsafeFlags(["-Xlinker", "--no-undefined"])]

let package = Package(
    name: "Switchboard",
    products: [
        .executable(name: "switchboard", targets: ["switchboard"]),
        // The chat-over-WebSocket load generator (a C program with its own fast mock LLM).
        .executable(name: "chat-load", targets: ["ChatLoad"]),
        // Plugins: each is a .so that `make stage` copies into the plugin directory.
        .library(name: "ExampleC", type: .dynamic, targets: ["ExampleC"]),
        .library(name: "ExampleSwift", type: .dynamic, targets: ["ExampleSwift"]),
        .library(name: "SQLiteStore", type: .dynamic, targets: ["SQLiteStore"]),
        .library(name: "OpenAI", type: .dynamic, targets: ["OpenAI"]),
        .library(name: "OpenRouter", type: .dynamic, targets: ["OpenRouter"]),
        .library(name: "Groq", type: .dynamic, targets: ["Groq"]),
        .library(name: "NativeTools", type: .dynamic, targets: ["NativeTools"]),
        .library(name: "MCP", type: .dynamic, targets: ["MCP"]),
        .library(name: "ConfigTools", type: .dynamic, targets: ["ConfigTools"]),
        .library(name: "WebSocket", type: .dynamic, targets: ["WebSocket"]),
    ],
    targets: [
        // The ABI: one C header shared by the host and every plugin.
        .target(name: "PluginABI"),
        .systemLibrary(name: "CYaml", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CWebSockets", pkgConfig: "libwebsockets", providers: [.apt(["libwebsockets-dev"])]),

        // JSON values, compiled into the host and into each plugin that wants them (never shared at run time).
        .target(name: "JSONSupport"),

        // The host: loader, registry, configuration, CLI. `switchboard` is its thin executable.
        .target(name: "Host", dependencies: ["PluginABI", "CYaml", "JSONSupport"]),
        .executableTarget(name: "switchboard", dependencies: ["Host"]),

        // Swift helper for plugin authors, compiled INTO each Swift plugin; speaks only the C ABI.
        .target(name: "PluginKit", dependencies: ["PluginABI", "JSONSupport"]),

        // Example plugins proving the ABI is language-neutral.
        .target(name: "ExampleC", dependencies: ["PluginABI"], path: "Plugins/ExampleC",
                linkerSettings: cPluginLinkerSettings),
        .target(name: "ExampleSwift", dependencies: ["PluginABI", "PluginKit"], path: "Plugins/ExampleSwift"),

        // libcurl's multi interface on one thread: compiled into each plugin that speaks HTTP.
        .target(name: "CurlHTTP", dependencies: ["CCurl"]),

        // The OpenAI-compatible chat client compiled into each provider plugin.
        .target(name: "OpenAICompatible", dependencies: ["PluginABI", "PluginKit", "JSONSupport", "CCurl", "CurlHTTP", "ProviderCore"]),
        .target(name: "OpenAI", dependencies: ["PluginABI", "PluginKit", "OpenAICompatible"], path: "Plugins/OpenAI"),
        .target(name: "OpenRouter", dependencies: ["PluginABI", "PluginKit", "OpenAICompatible"], path: "Plugins/OpenRouter"),
        .target(name: "Groq", dependencies: ["PluginABI", "PluginKit", "OpenAICompatible"], path: "Plugins/Groq"),

        .target(name: "SQLiteStore", dependencies: ["PluginABI", "PluginKit", "JSONSupport", "CSQLite"], path: "Plugins/SQLiteStore"),

        // Tools that run inside the host process: no subprocess, no MCP.
        .target(name: "NativeTools", dependencies: ["PluginABI", "PluginKit", "JSONSupport"], path: "Plugins/NativeTools"),
        // Tools for the model to read and change allow-listed runtime settings (the host's config ops); off by default.
        .target(name: "ConfigTools", dependencies: ["PluginABI", "PluginKit", "JSONSupport"], path: "Plugins/ConfigTools"),

        // The MCP client (wire, sessions in both eras, stdio and HTTP transports, supervision) and
        // the plugin that makes it the "mcp" tool source.
        .target(name: "MCPSystem", path: "Plugins/MCP/System"),  // GNU libc calls Swift's Glibc hides (pipe2, spawn chdir)
        .target(name: "MCPClient", dependencies: ["JSONSupport", "CurlHTTP", "ProviderCore", "MCPSystem"], path: "Plugins/MCP/Client"),
        .target(name: "MCP", dependencies: ["PluginABI", "PluginKit", "JSONSupport", "MCPClient"], path: "Plugins/MCP/Plugin"),

        // The WebSocket transport: the client protocol (pure: parsing, frame encoding, bounded send
        // queues; tested without sockets) and the plugin (libwebsockets service thread, host glue).
        .target(name: "WebSocketProtocol", dependencies: ["JSONSupport"], path: "Plugins/WebSocket/Protocol"),
        .target(name: "WebSocket", dependencies: ["PluginABI", "PluginKit", "JSONSupport", "CWebSockets", "WebSocketProtocol"],
                path: "Plugins/WebSocket/Plugin"),

        .executableTarget(name: "HostBench", dependencies: ["Host", "PluginABI"], path: "Benchmarks/HostBench"),
        .executableTarget(name: "StoreBench", dependencies: ["Host"], path: "Benchmarks/StoreBench"),
        .executableTarget(name: "ProviderBench", dependencies: ["Host", "PluginABI"], path: "Benchmarks/ProviderBench"),
        .executableTarget(name: "MCPBench", dependencies: ["Host"], path: "Benchmarks/MCPBench"),
        .executableTarget(name: "ChatBench", dependencies: ["Host", "PluginABI"], path: "Benchmarks/ChatBench"),
        .executableTarget(name: "MCPBenchServer", path: "Benchmarks/MCPBenchServer"),  // a trivial stdio MCP server in C
        // chat-load: WebSocket and SSE clients over epoll and a mock OpenAI-compatible server, in C (run.sh drives it).
        .executableTarget(name: "ChatLoad", path: "Benchmarks/ChatLoad", exclude: ["run.sh"],
                          cSettings: [.unsafeFlags(["-O2", "-Wall", "-Wextra"])], linkerSettings: [.linkedLibrary("pthread")]),
        .executableTarget(name: "WebSocketBench", dependencies: ["Host", "PluginABI"], path: "Benchmarks/WebSocketBench", exclude: ["load.js"]),
        .testTarget(name: "HostTests", dependencies: ["Host", "PluginABI", "PluginTestKit"]),
        .testTarget(name: "SQLiteStoreTests", dependencies: ["Host", "PluginABI", "CSQLite", "PluginTestKit"]),
        // Loads a built plugin and drives it through the ABI, for each plugin's tests.
        .target(name: "PluginTestKit", dependencies: ["Host"], path: "Tests/PluginTestKit"),
        .testTarget(name: "JSONSupportTests", dependencies: ["JSONSupport"]),
        .testTarget(name: "NativeToolsTests", dependencies: ["Host", "PluginTestKit"]),
        .testTarget(name: "MCPTests", dependencies: ["Host", "PluginTestKit", "MCPClient"], exclude: ["Servers"]),
        .testTarget(name: "WebSocketTests", dependencies: ["Host", "PluginTestKit", "WebSocketProtocol"], exclude: ["Clients"]),
        .testTarget(name: "ProviderTests", dependencies: ["Host", "PluginABI", "OpenAICompatible", "CurlHTTP", "PluginTestKit"]),
        // The orchestrator: chat turns over the real provider, store and tool plugins.
        .testTarget(name: "ChatTests", dependencies: ["Host", "PluginABI", "PluginTestKit"]),
        // A process for SQLiteStoreTests to kill with SIGKILL in the middle of streamed writes.
        .executableTarget(name: "StoreCrashDriver", dependencies: ["Host"], path: "Tests/StoreCrashDriver"),

        // Provider core: SSE parsing and OpenAI-compatible chat-completions decoding into provider
        // events. Pure (no I/O, no Host or PluginKit); compiled into each provider plugin.
        .target(name: "ProviderCore"),
        .executableTarget(name: "ProviderCoreBench", dependencies: ["ProviderCore"], path: "Benchmarks/ProviderCoreBench"),
        .testTarget(name: "ProviderCoreTests", dependencies: ["ProviderCore"]),
    ]
)
