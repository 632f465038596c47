import Foundation
import Host
import Testing
import WebSocketProtocol

/// A client too slow to read is closed (1008) with its requests cancelled, the memory held for
/// it stays within the send queue bound, and other clients do not notice.
@Suite struct BackpressureTests {
    static let queueBound = 64 * 1024

    @Test func slowReader_isClosedWith1008_withinTheQueueBound_whileAnotherClientStreamsOn() async throws {
        try await WebSocketServer.with(["send_queue": ["max_bytes": .int(Int64(Self.queueBound))]]) { server in
            let other = try TestClient.start(.python, server.url, ["steps": [Step.chat("ok", "stream 50 10"), Step.recvUntil(["status": "completed"])]])
            // 1200 chunks of 8 KB at once (9.6 MB): more than the kernel buffers (4 MB here) and the queue
            // hold; the turn then waits, so it is still running when the connection is closed.
            let report = try await TestClient.raw(port: server.port, [
                "slow", #"{"action":"chat","request_id":"slow","payload":{"text":"burst 1200 8000","conversation_id":"new-1"}}"#, "2"])
            #expect(report["close_code"] == 1008)
            #expect(report["close_reason"] == "send queue full: the client reads too slowly")
            #expect((report["text_bytes"]?.intValue ?? 0) < 9_600_000, "the client must not get the whole stream")
            let highWater = server.state["counters"]?["queued_bytes_high_water"]?.intValue ?? .max
            // The bound holds once the socket is full; before, a burst may queue up to 8 times as much.
            #expect(highWater <= Int64(Outbox.burstFactor * Self.queueBound + 16 * 1024), "queued \(highWater) bytes at most")
            let slow = try #require(server.host.submissions(op: "chat").first { $0.request["request_id"] == "slow" })
            #expect(server.host.cancellations.contains { $0.handle == slow.handle })
            #expect(server.state["counters"]?["closed_slow"] == 1)
            let transcript = try await other.finish()
            #expect(transcript.frames(request: "ok").last?["status"] == "completed")
            #expect(transcript.closed == nil)
        }
    }

    @Test func floodOfBadFramesFromAClientThatDoesNotRead_isClosedWith1008() async throws {
        try await WebSocketServer.with(["send_queue": ["max_bytes": .int(Int64(Self.queueBound))]]) { server in
            // Each "x" is answered with a ~140-byte error frame: 40000 of them (5.6 MB) outgrow every buffer.
            let report = try await TestClient.raw(port: server.port, ["flood", "x", "40000", "2"])
            // The close frame (1008) is sent, but a client still sending when the server closes
            // gets a TCP reset, which may discard it before it is read: either way, it is closed.
            #expect(report["close_code"] == 1008 || report["eof"] == true, "\(report.jsonText)")
            #expect(server.state["counters"]?["closed_slow"] == 1)
            #expect(await WebSocketServer.eventually(2) { server.state["connections"] == 0 })
            #expect((server.state["counters"]?["queued_bytes_high_water"]?.intValue ?? .max) <= Int64(Outbox.burstFactor * Self.queueBound + 16 * 1024))
            #expect(server.host.submissions.isEmpty)
        }
    }

    @Test func allConnectionsTogetherOverTheTotalBudget_closeTheOneThatPushesPastItWith1013() async throws {
        try await WebSocketServer.with(["send_queue": ["max_bytes": .int(1 << 20), "max_total_bytes": 32768]]) { server in
            let report = try await TestClient.raw(port: server.port, [
                "slow", #"{"action":"chat","request_id":"slow","payload":{"text":"burst 1200 8000","conversation_id":"new-1"}}"#, "1"])
            #expect(report["close_code"] == 1013)
            #expect(report["close_reason"] == "server send budget exhausted; try again later")
            #expect((server.state["counters"]?["queued_bytes_high_water"]?.intValue ?? .max) <= 32768 + 16 * 1024)
        }
    }
}
