import Foundation
import PluginABI
import Testing
@testable import Host

/// What operators see of chat turns: metrics in Prometheus' format and the health report.
@Suite(.serialized) struct ChatOperationsTests {
    @Test func turnsToolsTokensAndStoreOperationsAreMeasured() async throws {
        let rig = try await ChatRig.start(model: #"mock/agent?tool=calculator&args={"expression":"2"}"#)
        defer { rig.stop() }
        #expect(try await rig.chat("go").terminal().ending?.kind == .done)
        let text = rig.services.metrics.prometheusText()
        #expect(text.contains("# TYPE switchboard_turns_total counter\nswitchboard_turns_total{outcome=\"done\"} 1\n"))
        #expect(text.contains("switchboard_tool_calls_total{server=\"native_tools\",outcome=\"ok\"} 1\n"))
        #expect(text.contains("switchboard_provider_requests_total{provider=\"openai\",outcome=\"ok\"} 2\n"))
        #expect(text.contains("switchboard_tokens_total{provider=\"openai\",model=\"mock/agent?tool=calculator&args={\\\"expression\\\":\\\"2\\\"}\",direction=\"in\"} 22\n"))
        #expect(text.contains("# TYPE switchboard_time_to_first_token_seconds histogram\n"))
        #expect(text.contains("switchboard_tool_call_duration_seconds_count{server=\"native_tools\"} 1\n"))
        #expect(text.contains("switchboard_store_operation_seconds_bucket{op=\"append_batch\",le=\"+Inf\"} 2\n"))
        let refused = try await rig.chat("x", extra: ["tool_name": .string("nope")]).terminal()
        #expect(refused.ending?.kind == .error)
        #expect(rig.services.metrics.prometheusText().contains("switchboard_turns_total{outcome=\"error\"} 1\n"))
    }

    @Test func healthReportsEachComponentAndReadiness() async throws {
        let rig = try await ChatRig.start()
        defer { rig.stop() }
        let status = StatusOps(instances: rig.instances, services: rig.services, accepting: { rig.orchestrator.isAccepting })
        let health = status.health()
        #expect(health["status"] == .string("ok"))
        #expect(health["ready"] == .bool(true))
        #expect(health["components"]?["openai"]?["circuit"]?["state"] == .string("closed"))
        #expect(health["components"]?["sqlite"]?["kind"] == .string("store"))
        rig.orchestrator.stopAccepting()
        #expect(status.health()["ready"] == .bool(false))
    }
}
