/// Text frames stored back to back in one byte array, each preceded by `headroom` spare bytes
/// (libwebsockets writes the WebSocket frame header there, so a frame goes out without a copy).
///
/// Producers append a frame with `beginFrame()`, the `append…` writers and `endFrame()`, or drop
/// a half-written one with `discardFrame()`. The sender walks the frames with `withNextFrame` and
/// calls `reset()` when it has sent them all, which keeps the capacity for the next batch (so a
/// busy connection allocates nothing per frame) unless it grew past `retainedCapacity`.
///
/// A plain value: the owner serializes access (`Outbox` keeps it under a lock).
public struct FrameBuffer: Sendable {
    /// Bytes reserved in front of each frame.
    public let headroom: Int
    /// Capacity kept by `reset()`; beyond it the storage is released (idle connections stay small).
    public let retainedCapacity: Int

    var storage: [UInt8] = []
    private var ends: [Int] = []       // end offset of each complete frame
    private var sentFrames = 0         // frames already handed to the sender
    private var sentBytes = 0          // storage bytes of those frames
    private var openFrameStart: Int?   // where the frame being written begins

    public init(headroom: Int, retainedCapacity: Int = 64 * 1024) {
        self.headroom = headroom
        self.retainedCapacity = retainedCapacity
    }

    /// Frames appended and not yet sent.
    public var frameCount: Int { ends.count - sentFrames }
    /// Storage bytes (headroom included) of the frames not yet sent, plus any open frame.
    public var byteCount: Int { storage.count - sentBytes }
    public var isEmpty: Bool { frameCount == 0 }

    /// Starts a frame: reserves its headroom.
    public mutating func beginFrame() {
        openFrameStart = storage.count
        storage.append(contentsOf: repeatElement(0, count: headroom))
    }

    /// Completes the frame begun last.
    public mutating func endFrame() {
        guard openFrameStart != nil else { return }
        ends.append(storage.count)
        openFrameStart = nil
    }

    /// Drops the frame begun last (it was too big, or encoding decided against it).
    public mutating func discardFrame() {
        guard let start = openFrameStart else { return }
        storage.removeSubrange(start...)
        openFrameStart = nil
    }

    /// A point to roll back to: every frame appended after it can be dropped at once.
    public struct Checkpoint: Sendable {
        let storageCount: Int
        let frameCount: Int
    }

    public var checkpoint: Checkpoint { Checkpoint(storageCount: storage.count, frameCount: ends.count) }

    /// Drops every frame appended since `checkpoint` (an event's frames that did not fit).
    public mutating func rollback(to checkpoint: Checkpoint) {
        guard checkpoint.storageCount <= storage.count, checkpoint.frameCount <= ends.count else { return }
        storage.removeSubrange(checkpoint.storageCount...)
        ends.removeSubrange(checkpoint.frameCount...)
        openFrameStart = nil
    }

    /// The size of the open frame's payload so far.
    public var openFrameLength: Int { openFrameStart.map { storage.count - $0 - headroom } ?? 0 }

    /// Calls `body` with the next unsent frame: a pointer to its payload, with `headroom`
    /// writable bytes in front of it, and the payload length. The frame counts as sent when
    /// `body` returns true. Returns nil when no frame is waiting.
    public mutating func withNextFrame<R>(_ body: (UnsafeMutablePointer<UInt8>, Int) -> (sent: Bool, result: R)) -> R? {
        guard sentFrames < ends.count else { return nil }
        let start = sentBytes + headroom
        let end = ends[sentFrames]
        let outcome = storage.withUnsafeMutableBufferPointer { buffer in body(buffer.baseAddress! + start, end - start) }
        if outcome.sent {
            sentFrames += 1
            sentBytes = end
        }
        return outcome.result
    }

    /// Forgets every frame (sent or not). Keeps the storage unless it grew large.
    public mutating func reset() {
        if storage.capacity > retainedCapacity {
            storage = []
            ends = []
        } else {
            storage.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }
        sentFrames = 0
        sentBytes = 0
        openFrameStart = nil
    }

    /// Releases the storage entirely (a closed connection).
    public mutating func release() {
        storage = []
        ends = []
        sentFrames = 0
        sentBytes = 0
        openFrameStart = nil
    }

    /// Every unsent frame's payload as text (for tests and logs; copies).
    public var frames: [String] {
        var result: [String] = []
        var start = sentBytes
        for end in ends[sentFrames...] {
            result.append(String(decoding: storage[(start + headroom)..<end], as: UTF8.self))
            start = end
        }
        return result
    }
}
