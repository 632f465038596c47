import Foundation
import Host
import PluginTestKit
import Testing

/// servers_config.json changed while the host runs: the mcp tool source starts, stops and
/// restarts servers to match, and leaves the others running.
@Suite struct ReconfigureTests {
    func servers(in status: JSONValue) -> [String] { status["servers"]?.items.compactMap { $0["name"]?.stringValue } ?? [] }

    @Test func serversAreAddedRemovedAndRestartedAtRunTimeAndUnchangedOnesKeepRunning() async throws {
        let alpha = ServerEntry.everything("alpha")
        try await MCPFixture.with([alpha]) { fixture in
            try await fixture.waitUp("alpha")
            let alphaPID = try await fixture.server("alpha")["pid"]
            #expect(alphaPID != nil)

            try await fixture.replaceServers([alpha, .everything("beta")])
            try await fixture.waitUp("alpha", "beta")
            #expect(try await fixture.server("alpha")["pid"] == alphaPID, "an unchanged server keeps running")
            #expect(fixture.logContains("servers reconfigured from") && fixture.logContains("started beta"))
            #expect(try await fixture.list()["tools"]?.items.contains { $0["server"]?.stringValue == "beta" } == true)

            let changesBefore = fixture.harness.logLines.filter { $0.contains("catalog changed") }.count
            try await fixture.replaceServers([.everything("beta")])
            #expect(servers(in: try await fixture.status()) == ["beta"])
            #expect(fixture.logContains("stopped alpha"))
            #expect(try await fixture.list()["tools"]?.items.allSatisfy { $0["server"]?.stringValue == "beta" } == true)
            #expect(fixture.harness.logLines.filter { $0.contains("catalog changed") }.count > changesBefore, "the host was told")
            #expect(!ProcessCheck.exists(Int32(alphaPID?.numberValue ?? 0)), "the removed server's process is gone")

            let betaPID = try await fixture.server("beta")["pid"]
            try await fixture.replaceServers([.everything("beta").with("timeout", .int(30))])
            #expect(fixture.logContains("restarted beta"))
            try await fixture.waitUp("beta")
            #expect(try await fixture.server("beta")["pid"] != betaPID, "a changed server restarts")
        }
    }

    @Test func anInvalidServersFileOrBlockChangesNothing() async throws {
        try await MCPFixture.with([.everything("steady")]) { fixture in
            try await fixture.waitUp("steady")
            try "{not json".write(toFile: fixture.directory + "/servers_config.json", atomically: true, encoding: .utf8)
            let instance = fixture.harness.instance
            let config = fixture.config
            let refused = await offThePool { () -> ComponentError? in
                do throws(ComponentError) { try instance.reconfigure(config); return nil } catch { return error }
            }
            #expect(refused?.message.contains("not valid JSON") == true)
            var block = config
            if case .object(var members) = block { members["requests"] = .object(["timeout": .int(-1)]); block = .object(members) }
            let badBlock = block
            #expect(await offThePool { (try? instance.reconfigure(badBlock)) == nil })
            #expect(try await fixture.server("steady")["state"] == .string("up"))
        }
    }
}
