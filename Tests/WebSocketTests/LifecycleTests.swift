import Foundation
import Host
import PluginABI
import PluginTestKit
import Testing

/// Connections ending (closed, killed, silent), requests resumed on another connection, and
/// the transport's own start and stop.
@Suite struct LifecycleTests {
    @Test func clientClosingMidStream_cancelsItsHostRequest() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [Step.chat("r", "stream 1000 5"), Step.recv(4), Step.close()])
            #expect(transcript.frames.count == 4)
            let chat = try #require(server.host.submissions(op: "chat").first)
            #expect(await WebSocketServer.eventually(2) { server.host.cancellations.contains { $0.handle == chat.handle } })
            #expect(await WebSocketServer.eventually(2) { server.host.runningTurns == 0 })
        }
    }

    @Test func clientKilledWithoutACloseFrame_cancelsItsHostRequestPromptly() async throws {
        try await WebSocketServer.with { server in
            let client = try TestClient.start(.python, server.url, ["steps": [Step.chat("r", "hang"), Step.recv(1), Step.sleep(30)]])
            #expect(await WebSocketServer.eventually(10) { server.host.submissions(op: "chat").count == 1 })
            try await Task.sleep(for: .milliseconds(200))
            let killedAt = ContinuousClock.now
            await client.killNow()
            let chat = try #require(server.host.submissions(op: "chat").first)
            #expect(await WebSocketServer.eventually(2) { server.host.cancellations.contains { $0.handle == chat.handle } })
            let cancelledAt = try #require(server.host.cancellations.first { $0.handle == chat.handle }).at
            #expect(cancelledAt - killedAt < .milliseconds(500), "the kernel reports the dead socket at once; the cancel follows")
        }
    }

    @Test func clientThatNeverAnswersPings_isDroppedAfterIntervalPlusTimeout_andItsRequestCancelled() async throws {
        try await WebSocketServer.with(["ping_interval": 1, "ping_timeout": 1]) { server in
            let report = try await TestClient.raw(port: server.port, ["silent", #"{"action":"chat","request_id":"p","payload":{"text":"hang"}}"#])
            #expect(report["eof"] == true)
            #expect((report["pings"]?.intValue ?? 0) >= 1)
            let seconds = report["seconds"]?.numberValue ?? 0
            #expect(seconds >= 1.5 && seconds < 4.5, "dropped after \(seconds) s")
            let chat = try #require(server.host.submissions(op: "chat").first)
            #expect(await WebSocketServer.eventually(2) { server.host.cancellations.contains { $0.handle == chat.handle } })
        }
    }

    @Test func resume_afterTheRequestFinished_replaysTheFramesAfterTheGivenSequenceNumber() async throws {
        try await WebSocketServer.with { server in
            let original = try await TestClient.run(server.url, [Step.chat("r", "stream 6"), Step.recvUntil(["status": "complete"])])
            let transcript = try await TestClient.run(server.url, [
                Step.send(["action": "resume", "request_id": "r", "payload": ["after_seq": 2]]),
                Step.recvUntil(["status": "complete"]),
            ])
            // seq 1 processing, 2...7 text, 8 usage, 9 finish, 10 completed (and its "complete" alias).
            #expect(transcript.frames(request: "r").compactMap { $0["seq"]?.intValue } == [3, 4, 5, 6, 7, 8, 9, 10, 10])
            #expect(transcript.frames(request: "r") == Array(original.frames(request: "r").dropFirst(2)))
            #expect(server.host.submissions(op: "resume").first?.request == ["owner": "local", "request_id": "r", "after_seq": 2])
        }
    }

    @Test func resume_onANewConnection_keepsTheTurnAliveWhenTheOldConnectionDrops() async throws {
        try await WebSocketServer.with { server in
            // The first connection starts a turn that streams one chunk and then waits...
            let first = try TestClient.start(.python, server.url, ["steps": [Step.chat("r", "gate"), Step.recv(2), Step.sleep(30)]])
            #expect(await WebSocketServer.eventually(10) { !server.host.submissions(op: "chat").isEmpty })
            // ...the client reconnects and resumes after the last frame it saw...
            let second = try TestClient.start(.python, server.url, ["steps": [
                Step.send(["action": "resume", "request_id": "r", "payload": ["after_seq": 2]]),
                Step.recvUntil(["status": "completed"], timeout: 20)]])
            #expect(await WebSocketServer.eventually(10) { !server.host.submissions(op: "resume").isEmpty })
            // ...and only then is the first connection's loss noticed: the turn runs on for the resumer.
            await first.killNow()
            #expect(await WebSocketServer.eventually(5) {
                server.harness.logLines.contains { $0.contains("chat 'r' left running for its other followers") }
            })
            let chat = try #require(server.host.submissions(op: "chat").first)
            #expect(!server.host.cancellations.contains { $0.handle == chat.handle }, "the turn must survive its first connection")
            server.host.release(requestId: "r")
            let frames = try await second.finish().frames(request: "r")
            // seq 1 processing, 2 "before ", 3 "after", 4 usage, 5 finish, 6 completed.
            #expect(frames.map { $0["seq"] } == [3, 4, 5, 6])
            #expect(frames.first?["chunk"]?["data"] == "after")
            #expect(frames.last?["status"] == "completed")
        }
    }

    @Test func resumedTurn_isCancelledWhenItsLastFollowerGoes() async throws {
        try await WebSocketServer.with { server in
            let first = try TestClient.start(.python, server.url, ["steps": [Step.chat("r", "hang"), Step.recv(1), Step.sleep(30)]])
            #expect(await WebSocketServer.eventually(10) { !server.host.submissions(op: "chat").isEmpty })
            let second = try TestClient.start(.python, server.url, ["steps": [
                Step.send(["action": "resume", "request_id": "r", "payload": ["after_seq": 1]]), Step.sleep(30)]])
            #expect(await WebSocketServer.eventually(10) { !server.host.submissions(op: "resume").isEmpty })
            await first.killNow()
            try await Task.sleep(for: .milliseconds(100))
            let chat = try #require(server.host.submissions(op: "chat").first)
            #expect(!server.host.cancellations.contains { $0.handle == chat.handle })
            await second.killNow()
            #expect(await WebSocketServer.eventually(2) { server.host.cancellations.contains { $0.handle == chat.handle } })
        }
    }

    @Test func resumingALongTurn_replaysItInOneBurst_withoutTakingTheClientForASlowReader() async throws {
        try await WebSocketServer.with(["send_queue": ["max_bytes": 32768]]) { server in
            _ = try await TestClient.run(server.url, [Step.chat("long", "stream 2000"), Step.recvUntil(["status": "complete"], timeout: 30)])
            // About 180 KB of frames, queued at once by the replay: over max_bytes, within the burst allowance (8 x).
            let transcript = try await TestClient.run(server.url, [
                Step.send(["action": "resume", "request_id": "long", "payload": ["after_seq": 0]]),
                Step.recvUntil(["status": "complete"], timeout: 30),
            ])
            #expect(transcript.frames(request: "long").count == 2000 + 5)  // processing, 2000 text, usage, finish, completed, complete
            #expect(transcript.closed == nil)
            #expect(server.state["counters"]?["closed_slow"] == 0)
        }
    }

    @Test func resumeOrCancelOfAnUnknownRequest_isAnswered404() async throws {
        try await WebSocketServer.with { server in
            let transcript = try await TestClient.run(server.url, [
                Step.send(["action": "resume", "request_id": "nope", "payload": ["after_seq": 0]]), Step.recv(1),
                Step.send(["action": "cancel", "request_id": "nope2"]), Step.recv(1),
            ])
            #expect(transcript.frames.map { $0["error"]?["code"] } == [404, 404])
        }
    }

    @Test func stopping_closesClientsWith1001_andCancelsTheirRequests() async throws {
        let server = try await WebSocketServer.start(["shutdown_grace": 1.0])
        let client = try TestClient.start(.python, server.url, ["steps": [Step.chat("r", "hang"), Step.recv(1), Step.waitClosed(20)]])
        #expect(await WebSocketServer.eventually(10) { server.host.submissions(op: "chat").count == 1 })
        try await Task.sleep(for: .milliseconds(100))
        await server.stop()
        let transcript = try await client.finish()
        #expect(transcript.closed?.code == 1001)
        #expect(server.host.cancellations.count == 1)
    }

    @Test func secondServe_isRefusedBusy_andABusyPortFailsTheServe() async throws {
        let server = try await WebSocketServer.start()
        #expect(throws: ComponentError(status: SB_ERR_BUSY, message: "websocket is already serving")) {
            _ = try server.harness.instance.start(op: "serve", request: "{}")
        }
        let other = try PluginHarness(plugin: "WebSocket", component: "websocket",
                                      config: ["host": "127.0.0.1", "port": .int(Int64(server.port))])
        other.services.requestHandler = FakeHost()
        #expect(throws: ComponentError.self) { _ = try other.instance.start(op: "serve", request: "{}") }
        await offThePool { other.destroy() }
        await server.stop()
    }

    @Test func badConfig_failsCreateWithAMessageNamingTheKey() throws {
        do {
            _ = try PluginHarness(plugin: "WebSocket", component: "websocket", config: ["prot": 8000])
            Issue.record("an unknown key must be refused")
        } catch let error as ComponentError {
            #expect(error.status == SB_ERR_INVALID)
            #expect(error.message.hasPrefix("unknown key 'prot' (expected one of: allow_origins, allowed_origins, api_keys,"))
        }
        do {
            _ = try PluginHarness(plugin: "WebSocket", component: "websocket", config: ["api_keys": [["key": "", "owner": "a"]]])
            Issue.record("an empty key must be refused")
        } catch let error as ComponentError {
            #expect(error.message == "api_keys[0].key must be a non-empty string (is its env: variable set?)")
        }
    }
}
