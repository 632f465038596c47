import Foundation
import Host
import PluginTestKit
import Testing

/// Era detection against real peers: an mcp 2.x server answers server/discover (modern); an
/// mcp<2 server is a handshake-only peer; a server that rejects discovery with another code
/// is legacy too.
@Suite struct ProtocolEraTests {
    @Test func eachServerIsDetectedInItsOwnEra() async throws {
        try await MCPFixture.with([.everything("modern"), .everything("legacy", legacy: true), .misbehaving("plain", ["--legacy-only"])]) { fixture in
            try await fixture.waitUp("modern", "legacy", "plain")
            let modern = try await fixture.server("modern"), legacy = try await fixture.server("legacy"), plain = try await fixture.server("plain")
            #expect(modern["era"] == .string("modern"))
            #expect(modern["protocol_version"] == .string("2026-07-28"))
            #expect(legacy["era"] == .string("legacy"))
            #expect(legacy["protocol_version"] == .string("2025-11-25"))
            #expect(legacy["server_info"]?["version"]?.stringValue?.hasPrefix("1.") == true, "the mcp<2 SDK")
            #expect(plain["era"] == .string("legacy"))
            // Both SDK servers offer the same tools: every shared name is prefixed with its server.
            let names = try await fixture.toolNames()
            #expect(names.contains("modern_echo") && names.contains("legacy_echo"))
            #expect(names.contains("plain_echo"))
            for server in ["modern", "legacy", "plain"] {
                let echoed = try await fixture.call("\(server)_echo", ["text": .string("hi from \(server)")])
                #expect(echoed["tool_message"] == .string("hi from \(server)"))
                #expect(echoed["server"] == .string(server))
            }
        }
    }

    /// A modern server that starts after the discover probe's timeout (5 s here) reads the probe
    /// first, then the `initialize` sent on its timeout: the probe commits it to the modern era, so
    /// it rejects `initialize` with -32022. The client discovers again on the same connection, and
    /// the server is up on its first attempt.
    @Test func aModernServerSlowerToStartThanTheProbeIsUpOnItsFirstAttempt() async throws {
        let slow = ServerEntry.stdio("slow", "/bin/sh", ["-c", #"sleep 6; exec "$0" "$@""#, MCPTestPaths.venv + "/python",
                                                         MCPTestPaths.servers + "/everything_server.py", "--name", "slow"])
        try await MCPFixture.with([slow], connection: ["connection_timeout": .double(20)]) { fixture in
            try await fixture.waitUp("slow")
            let server = try await fixture.server("slow")
            #expect(server["era"] == .string("modern"))
            #expect(server["protocol_version"] == .string("2026-07-28"))
            #expect(!fixture.logContains("slow: cannot connect"), "the first attempt failed; the server was started again")
            #expect(try await fixture.call("echo", ["text": .string("late but modern")])["tool_message"] == .string("late but modern"))
        }
    }
}
