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

@Suite(.serialized) struct ChatShutdownTests {
    @Test func drainLetsShortTurnsFinishAndCancelsLongOnesAfterTheGrace() async throws {
        let rig = try await ChatRig.start(model: "mock/text?chunks=5")
        defer { rig.stop() }
        let short = try rig.chat("short", model: "mock/text?chunks=10&rate=100")  // about 0.1 s
        let long = try rig.chat("long", model: "mock/text?chunks=1000&rate=100")  // 10 s
        _ = await long.wait { $0.contains { $0.kind == .textDelta } }
        let started = ContinuousClock.now
        await rig.orchestrator.drain(grace: .milliseconds(600))
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(600) && elapsed < .seconds(3))
        #expect(short.received.ending?.kind == .done)
        let ended = await long.terminal(seconds: 2)
        #expect(ended.ending?.kind == .cancelled)
        // What streamed of the cancelled turn was stored before its terminal event.
        let conversation = try #require((try? JSONValue.parse(ended.first?.data ?? ""))?["conversation_id"]?.stringValue)
        let stored = try await rig.stored(conversation)
        #expect(stored.last?["status"] == .string("incomplete"))
        #expect(stored.last?["content"]?.stringValue?.hasPrefix("w0 w1 ") == true)
        #expect(throws: ComponentError.self) { try rig.chat("too late") }
    }
}

@Suite struct LoggerFormatTests {
    @Test func jsonLinesCarryTheFieldsAndTextLinesAppendThem() {
        let lines = LinesBox()
        let logger = Logger(level: .info, format: .json, sink: { lines.append($0) })
        logger.log(.info, "chat", "turn done", fields: ["request_id": .string("r1"), "duration_ms": .int(12)])
        logger.format = .text
        logger.log(.warn, "chat", "slow", fields: ["request_id": .string("r2")])
        logger.log(.debug, "chat", "dropped")
        let all = lines.all
        #expect(all.count == 2)
        let json = try? JSONValue.parse(all[0])
        #expect(json?["request_id"] == .string("r1") && json?["duration_ms"] == .int(12) && json?["level"] == .string("info")
                && json?["component"] == .string("chat") && json?["message"] == .string("turn done") && json?["time"] != nil)
        #expect(all[1].hasSuffix("WARN  [chat] slow request_id=r2\n"))
    }
}

final class LinesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
