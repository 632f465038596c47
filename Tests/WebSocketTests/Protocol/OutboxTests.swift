import Testing
import WebSocketProtocol

/// The bounded send queue's contract between producers and the sender, without sockets.
@Suite struct OutboxTests {
    func frame(_ text: String) -> (inout FrameBuffer) -> Void {
        { buffer in
            buffer.beginFrame()
            buffer.appendString(text)
            buffer.endFrame()
        }
    }

    @Test func firstAppendWakesTheSender_laterOnesDoNot_untilItGoesIdle() {
        var outbox = Outbox(limits: .init(maxBytes: 1000, maxFrames: 10), headroom: 16)
        #expect(outbox.append(frame("a")) == .queued(bytes: 19, wake: true))
        #expect(outbox.append(frame("b")) == .queued(bytes: 19, wake: false))
        var sending = FrameBuffer(headroom: 16)
        let took = outbox.take(into: &sending)
        #expect(took)
        #expect(sending.frames == [#""a""#, #""b""#])
        #expect(outbox.queuedBytes == 38)
        var written: [String] = []
        while let text = sending.withNextFrame({ pointer, length in
            (true, String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self))
        }) { written.append(text) }
        #expect(written == [#""a""#, #""b""#])
        outbox.written(bytes: 38, frames: 2, choked: false)
        #expect(outbox.append(frame("c")) == .queued(bytes: 19, wake: false))  // still scheduled: no second wake-up
        let idleWithCWaiting = outbox.finishIfIdle()
        #expect(!idleWithCWaiting)  // "c" is waiting
        sending.reset()
        let tookC = outbox.take(into: &sending)
        #expect(tookC)
        outbox.written(bytes: 19, frames: 1, choked: false)
        let idle = outbox.finishIfIdle()
        #expect(idle)
        #expect(outbox.append(frame("d")) == .queued(bytes: 19, wake: true))
    }

    /// Marks the outbox stalled, as the sender does when the client's socket is full.
    func stall(_ outbox: inout Outbox) {
        var sending = FrameBuffer(headroom: 16)
        _ = outbox.take(into: &sending)
        outbox.written(bytes: 0, frames: 0, choked: true)
    }

    @Test func whileTheSocketTakesData_aBurstMayExceedTheLimits_upToTheBurstFactor() {
        var outbox = Outbox(limits: .init(maxBytes: 100, maxFrames: 3), headroom: 16)
        for _ in 0..<(Outbox.burstFactor * 3) { _ = outbox.append(frame("a")) }  // 24 frames, 456 bytes: within 8 x the limits
        #expect(outbox.queuedFrames == Outbox.burstFactor * 3)
        #expect(outbox.append(frame("a")) == .rejected)  // 8 x 3 frames is the most
    }

    @Test func onceTheSocketIsFull_anAppendBeyondTheLimits_isRolledBackWhole() {
        var outbox = Outbox(limits: .init(maxBytes: 50, maxFrames: 3), headroom: 16)
        #expect(outbox.append(frame("a")) == .queued(bytes: 19, wake: true))
        stall(&outbox)
        #expect(outbox.stalled)
        let twoFrames: (inout FrameBuffer) -> Void = { buffer in
            buffer.beginFrame(); buffer.appendString("bb"); buffer.endFrame()
            buffer.beginFrame(); buffer.appendString("cc"); buffer.endFrame()
        }
        #expect(outbox.append(twoFrames) == .rejected)
        #expect(outbox.pending.isEmpty)
        #expect(outbox.queuedBytes == 19)  // "a", handed to the sender, still counts until written
        #expect(outbox.append(frame("0123456789012345678901")) == .rejected)
        outbox.written(bytes: 19, frames: 1, choked: true)
        #expect(outbox.append(frame("0123456789012345678901")) == .queued(bytes: 40, wake: false))
        outbox.written(bytes: 0, frames: 0, choked: false)  // drained: bursts are allowed again
        #expect(outbox.append(twoFrames) == .queued(bytes: 40, wake: false))
        #expect(outbox.discardAll() == 80)
        #expect(outbox.queuedBytes == 0)
    }

    @Test func frameCountIsBoundedToo() {
        var outbox = Outbox(limits: .init(maxBytes: 1 << 20, maxFrames: 2), headroom: 0)
        _ = outbox.append(frame("a"))
        stall(&outbox)
        _ = outbox.append(frame("b"))
        #expect(outbox.append(frame("c")) == .rejected)
    }

    @Test func resetKeepsSmallBuffers_andReleasesLargeOnes() {
        var buffer = FrameBuffer(headroom: 16, retainedCapacity: 1024)
        frame("small")(&buffer)
        buffer.reset()
        #expect(buffer.isEmpty)
        frame(String(repeating: "x", count: 4096))(&buffer)
        #expect(buffer.byteCount > 4096)
        buffer.reset()
        #expect(buffer.byteCount == 0)
    }
}
