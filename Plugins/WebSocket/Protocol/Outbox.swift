/// One connection's bounded send queue, shared by the threads that produce frames (host event
/// callbacks) and the one that sends them (the service thread).
///
/// Producers `append` into `pending`. The sender swaps the whole pending buffer out with `take`
/// (so it writes without holding the lock, and both buffers keep their capacity), reports what
/// it wrote with `written`, and clears `scheduled` with `finishIfIdle` when nothing is left: a
/// producer that finds `scheduled` false must wake the sender. Queued bytes count both the
/// pending frames and those handed to the sender and not yet written, so a client that stops
/// reading fills the queue and the next append is rejected; the caller then closes the
/// connection.
///
/// The limits hold once the sender found the client's socket full (`stalled`): that is a slow
/// reader. Before that, a burst may queue up to `burstFactor` times as much, because a burst is
/// not slowness: a `resume` replays a whole long turn at once, faster than any socket takes it.
/// Memory per connection never exceeds `burstFactor` times the limits (plus one event's frames).
///
/// A plain value: the caller serializes access (a lock per connection).
public struct Outbox: Sendable {
    public struct Limits: Sendable, Equatable {
        public var maxBytes: Int
        public var maxFrames: Int

        public init(maxBytes: Int, maxFrames: Int) {
            (self.maxBytes, self.maxFrames) = (maxBytes, maxFrames)
        }
    }

    /// What `append` did.
    public enum Admission: Sendable, Equatable {
        /// Queued `bytes`; `wake` says the sender must be woken (it was idle).
        case queued(bytes: Int, wake: Bool)
        /// The frames did not fit the limits and were dropped.
        case rejected
    }

    /// How much more than the limits a connection whose socket is not full may queue.
    public static let burstFactor = 8

    public let limits: Limits
    public var pending: FrameBuffer
    /// True while the client's socket was found full and not drained since (see above).
    public private(set) var stalled = false
    /// Bytes and frames handed to the sender and not yet reported written.
    public private(set) var inFlightBytes = 0
    public private(set) var inFlightFrames = 0
    /// True while the sender has been asked to send (woken) and has not gone idle since.
    public private(set) var scheduled = false

    public init(limits: Limits, headroom: Int) {
        self.limits = limits
        pending = FrameBuffer(headroom: headroom)
    }

    public var queuedBytes: Int { pending.byteCount + inFlightBytes }
    public var queuedFrames: Int { pending.frameCount + inFlightFrames }

    /// Appends what `write` encodes (any number of frames), or nothing if the result would
    /// exceed the limits.
    public mutating func append(_ write: (inout FrameBuffer) -> Void) -> Admission {
        let checkpoint = pending.checkpoint
        let before = pending.byteCount
        write(&pending)
        let added = pending.byteCount - before
        let factor = stalled ? 1 : Self.burstFactor
        guard queuedBytes <= limits.maxBytes * factor, queuedFrames <= limits.maxFrames * factor else {
            pending.rollback(to: checkpoint)
            return .rejected
        }
        guard added > 0 else { return .queued(bytes: 0, wake: false) }
        defer { scheduled = true }
        return .queued(bytes: added, wake: !scheduled)
    }

    /// Sender: moves every pending frame into `sending`, which must be empty (reset).
    /// - Returns: false when there was nothing to take.
    public mutating func take(into sending: inout FrameBuffer) -> Bool {
        guard !pending.isEmpty else { return false }
        swap(&pending, &sending)
        inFlightBytes += sending.byteCount
        inFlightFrames += sending.frameCount
        return true
    }

    /// Sender: `bytes` (headroom included) in `frames` frames were written or dropped, and the
    /// client's socket is now full (`choked`) or not.
    public mutating func written(bytes: Int, frames: Int, choked: Bool) {
        inFlightBytes = max(0, inFlightBytes - bytes)
        inFlightFrames = max(0, inFlightFrames - frames)
        stalled = choked
    }

    /// Sender: ends a send round. Returns true (and clears `scheduled`) when nothing is waiting,
    /// so the next append wakes the sender again; false when more frames came meanwhile.
    public mutating func finishIfIdle() -> Bool {
        guard pending.isEmpty else { return false }
        scheduled = false
        return true
    }

    /// Marks the outbox scheduled (the sender was woken for another reason, such as a close).
    public mutating func markScheduled() -> Bool {
        defer { scheduled = true }
        return !scheduled
    }

    /// Drops everything queued (the connection is closing). Returns the bytes dropped.
    public mutating func discardAll() -> Int {
        let dropped = queuedBytes
        pending.release()
        inFlightBytes = 0
        inFlightFrames = 0
        return dropped
    }
}
