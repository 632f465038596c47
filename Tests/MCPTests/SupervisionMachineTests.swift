@testable import MCPClient
import Testing

/// Backoff and giving up, with time passed in by the test.
@Suite struct SupervisionMachineTests {
    let policy = SupervisionMachine.Policy(maxAttempts: 3, initialDelay: 1, maxDelay: 3)

    @Test func delaysDoubleUpToTheCapThenItGivesUp() {
        var machine = SupervisionMachine(policy: policy)
        #expect(machine.start() == .connect)
        #expect(machine.connectFailed(now: 100, reason: "a") == .wait(until: 101))
        #expect(machine.tick(now: 100.5) == .wait(until: 101))
        #expect(machine.tick(now: 101) == .connect)
        #expect(machine.connectFailed(now: 101, reason: "b") == .wait(until: 103))
        #expect(machine.tick(now: 103) == .connect)
        #expect(machine.connectFailed(now: 103, reason: "c") == .wait(until: 106), "4 s capped at max_reconnect_delay 3 s")
        #expect(machine.tick(now: 106) == .connect)
        #expect(machine.connectFailed(now: 106, reason: "d") == .giveUp(reason: "d"))
        #expect(machine.state == .failed(reason: "d"))
        #expect(machine.tick(now: 1000) == .none, "a given-up server stays down")
    }

    @Test func aSuccessfulConnectionResetsTheCountAndALossWaitsTheInitialDelay() {
        var machine = SupervisionMachine(policy: policy)
        _ = machine.start()
        _ = machine.connectFailed(now: 0, reason: "x")
        _ = machine.tick(now: 1)
        _ = machine.connectFailed(now: 1, reason: "x")
        _ = machine.tick(now: 3)
        #expect(machine.connected(now: 3) == .none)
        #expect(machine.state == .up(since: 3))
        #expect(machine.lost(now: 50, reason: "crashed") == .wait(until: 51), "up for 47 s: the count starts over")
        #expect(machine.tick(now: 51) == .connect)
        #expect(machine.connected(now: 51) == .none)
        #expect(machine.connections == 2)
    }

    @Test func aServerThatDiesRightAfterEachStartBacksOffAndIsGivenUp() {
        var machine = SupervisionMachine(policy: policy)
        _ = machine.start()
        _ = machine.connected(now: 0)
        #expect(machine.lost(now: 0.5, reason: "died") == .wait(until: 1.5))
        _ = machine.tick(now: 1.5)
        _ = machine.connected(now: 1.5)
        #expect(machine.lost(now: 2, reason: "died") == .wait(until: 4), "not stable (up 0.5 s < 3 s): 2 s")
        _ = machine.tick(now: 4)
        _ = machine.connected(now: 4)
        #expect(machine.lost(now: 4.1, reason: "died") == .wait(until: 7.1))
        _ = machine.tick(now: 7.1)
        _ = machine.connected(now: 7.1)
        #expect(machine.lost(now: 7.2, reason: "died") == .giveUp(reason: "died"))
        #expect(machine.connections == 4)
    }

    @Test func zeroMaxAttemptsNeverGivesUpAndEventsOutOfOrderAreIgnored() {
        var machine = SupervisionMachine(policy: .init(maxAttempts: 0, initialDelay: 0.5, maxDelay: 60))
        #expect(machine.lost(now: 0, reason: "not up yet") == .none)
        _ = machine.start()
        var now = 0.0
        for _ in 0..<200 {
            guard case .wait(let until) = machine.connectFailed(now: now, reason: "down") else { Issue.record("gave up"); return }
            now = until
            _ = machine.tick(now: now)
        }
        #expect(machine.policy.delay(afterFailures: 200) == 60)
        machine.stop()
        #expect(machine.tick(now: now + 100) == .none)
    }
}
