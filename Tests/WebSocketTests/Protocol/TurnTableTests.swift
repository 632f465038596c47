import Testing
import WebSocketProtocol

/// Which host ops to cancel when connections following a turn go away, without sockets.
@Suite struct TurnTableTests {
    let key = TurnTable.Key(owner: "o", requestId: "r")

    @Test func theOnlyConnectionGoing_cancelsTheTurn() {
        var table = TurnTable()
        table.follow(key, subscription: 1, isChat: true)
        table.started(key, subscription: 1, handle: 100)
        #expect(table.turnHandle(key) == 100)
        #expect(table.abandoned(key, subscription: 1) == .init(cancelOwn: true, cancelTurn: nil))
    }

    @Test func aResumedTurn_outlivesItsFirstConnection_andGoesWithTheLast() {
        var table = TurnTable()
        table.follow(key, subscription: 1, isChat: true)
        table.started(key, subscription: 1, handle: 100)
        table.follow(key, subscription: 2, isChat: false)
        table.started(key, subscription: 2, handle: 200)
        #expect(table.abandoned(key, subscription: 1) == .init(cancelOwn: false, cancelTurn: nil))
        #expect(table.abandoned(key, subscription: 2) == .init(cancelOwn: true, cancelTurn: 100))
    }

    @Test func aFollowerGoing_cancelsOnlyItsOwnStream() {
        var table = TurnTable()
        table.follow(key, subscription: 1, isChat: true)
        table.started(key, subscription: 1, handle: 100)
        table.follow(key, subscription: 2, isChat: true)  // the same request id again: a replay
        #expect(table.abandoned(key, subscription: 2) == .init(cancelOwn: true, cancelTurn: nil))
        #expect(table.abandoned(key, subscription: 1) == .init(cancelOwn: true, cancelTurn: nil))
    }

    @Test func afterTheTurnEnded_resumesAreStandalone() {
        var table = TurnTable()
        table.follow(key, subscription: 1, isChat: true)
        table.started(key, subscription: 1, handle: 100)
        table.ended(key, subscription: 1)
        #expect(table.count == 0)
        table.follow(key, subscription: 2, isChat: false)
        #expect(table.count == 0)
        #expect(table.turnHandle(key) == nil)
        #expect(table.abandoned(key, subscription: 2) == .init(cancelOwn: true, cancelTurn: nil))
    }

    @Test func turnsOfDifferentOwnersNeverMix() {
        var table = TurnTable()
        table.follow(key, subscription: 1, isChat: true)
        table.started(key, subscription: 1, handle: 100)
        let other = TurnTable.Key(owner: "p", requestId: "r")
        table.follow(other, subscription: 2, isChat: false)
        #expect(table.turnHandle(other) == nil)
        #expect(table.abandoned(key, subscription: 1) == .init(cancelOwn: true, cancelTurn: nil))
    }
}
