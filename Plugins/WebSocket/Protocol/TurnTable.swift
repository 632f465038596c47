/// Which connections follow each chat turn this transport started, so that a client that
/// reconnects and resumes a turn keeps it alive when its old connection is finally noticed
/// gone. Pure state machine: it returns what to cancel, the caller calls the host.
///
/// A turn is the first `chat` subscription for an (owner, request id): its origin. Later `chat`
/// submissions of the same id (the host replays them) and `resume`s are followers. When a
/// connection goes away, each of its subscriptions is `abandoned`: a follower's own stream is
/// always cancelled; the turn itself (the origin's handle) is cancelled only when no live
/// subscription follows it any more. So closing the only connection of a turn cancels it, as
/// before, while a turn resumed elsewhere runs on.
public struct TurnTable: Sendable {
    public struct Key: Hashable, Sendable {
        public let owner: String
        public let requestId: String

        public init(owner: String, requestId: String) {
            (self.owner, self.requestId) = (owner, requestId)
        }
    }

    /// What to cancel for an abandoned subscription.
    public struct Abandonment: Sendable, Equatable {
        /// Cancel the subscription's own host op.
        public var cancelOwn: Bool
        /// Also cancel this host op: the turn's origin, which nobody follows any more.
        public var cancelTurn: UInt64?

        public init(cancelOwn: Bool, cancelTurn: UInt64?) {
            (self.cancelOwn, self.cancelTurn) = (cancelOwn, cancelTurn)
        }
    }

    private struct Turn {
        var origin: UInt64
        var originHandle: UInt64 = 0
        var followers: Set<UInt64>
    }

    private var turns: [Key: Turn] = [:]

    public init() {}

    /// Number of turns tracked (running, started here).
    public var count: Int { turns.count }

    /// A chat or resume subscription is about to be submitted. A chat for an id nobody runs
    /// here becomes the turn's origin; anything else follows the turn if it is known.
    public mutating func follow(_ key: Key, subscription: UInt64, isChat: Bool) {
        if turns[key] != nil {
            turns[key]?.followers.insert(subscription)
        } else if isChat {
            turns[key] = Turn(origin: subscription, followers: [subscription])
        }
    }

    /// The subscription's submit returned `handle`.
    public mutating func started(_ key: Key, subscription: UInt64, handle: UInt64) {
        guard turns[key]?.origin == subscription else { return }
        turns[key]?.originHandle = handle
    }

    /// The subscription ended (its terminal event arrived, or its submit failed). The origin's
    /// end is the end of the turn.
    public mutating func ended(_ key: Key, subscription: UInt64) {
        guard let turn = turns[key] else { return }
        if turn.origin == subscription {
            turns[key] = nil
        } else {
            turns[key]?.followers.remove(subscription)
        }
    }

    /// The subscription's connection went away.
    public mutating func abandoned(_ key: Key, subscription: UInt64) -> Abandonment {
        guard var turn = turns[key], turn.followers.contains(subscription) else {
            return Abandonment(cancelOwn: true, cancelTurn: nil)
        }
        turn.followers.remove(subscription)
        turns[key] = turn
        let isOrigin = turn.origin == subscription
        guard turn.followers.isEmpty else { return Abandonment(cancelOwn: !isOrigin, cancelTurn: nil) }
        if isOrigin { return Abandonment(cancelOwn: true, cancelTurn: nil) }
        return Abandonment(cancelOwn: true, cancelTurn: turn.originHandle == 0 ? nil : turn.originHandle)
    }

    /// The host op running the turn, for an explicit cancel; nil when this process does not run it.
    public func turnHandle(_ key: Key) -> UInt64? {
        guard let handle = turns[key]?.originHandle, handle != 0 else { return nil }
        return handle
    }
}
