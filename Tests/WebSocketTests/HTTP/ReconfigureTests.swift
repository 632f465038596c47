import Foundation
import Host
import PluginTestKit
import Testing

/// The transport's reconfigure (issue 8's hot reload): rate limits apply live, the rest is refused
/// as needing a restart.
@Suite struct TransportReconfigureTests {
    @Test func rateLimitsApplyLiveAndOtherKeysNeedARestart() async throws {
        try await WebSocketServer.with { server in
            let url = "http://127.0.0.1:\(server.port)/sessions"
            for _ in 0..<3 { #expect(try await CurlResponse.run([url]).status != 429) }  // no limits yet
            let block: JSONValue = .object(["host": "127.0.0.1", "port": 0, "shutdown_grace": 0.2,
                                            "rate_limits": .object(["per_ip": .object(["rps": 0.5, "burst": 1])])])
            try server.harness.instance.reconfigure(block)
            #expect(try await CurlResponse.run([url]).status != 429)
            let limited = try await CurlResponse.run([url])
            #expect(limited.status == 429 && limited.json["error"]?["retry_after"] != nil)

            let moved: JSONValue = .object(["host": "127.0.0.1", "port": 9, "shutdown_grace": 0.2])
            let refused = #expect(throws: ComponentError.self) { try server.harness.instance.reconfigure(moved) }
            #expect(refused?.message.contains("port need a restart") == true)
            #expect(throws: ComponentError.self) { try server.harness.instance.reconfigure(.object(["port": "eighty"])) }
        }
    }
}
