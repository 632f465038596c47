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
        outbox.written(bytes: 38, frames: 2)
        #expect(outbox.append(frame("c")) == .queued(bytes: 19, wake: false))  // still scheduled: no second wake-up
        let idleWithCWaiting = outbox.finishIfIdle()
        #expect(!idleWithCWaiting)  // "c" is waiting
        sending.reset()
        let tookC = outbox.take(into: &sending)
        #expect(tookC)
        outbox.written(bytes: 19, frames: 1)
        let idle = outbox.finishIfIdle()
        #expect(idle)
        #expect(outbox.append(frame("d")) == .queued(bytes: 19, wake: true))
    }

    @Test func anAppendBeyondTheLimits_isRolledBackWhole() {
        var outbox = Outbox(limits: .init(maxBytes: 50, maxFrames: 3), headroom: 16)
        #expect(outbox.append(frame("a")) == .queued(bytes: 19, wake: true))
        let twoFrames: (inout FrameBuffer) -> Void = { buffer in
            buffer.beginFrame(); buffer.appendString("bb"); buffer.endFrame()
            buffer.beginFrame(); buffer.appendString("cc"); buffer.endFrame()
        }
        #expect(outbox.append(twoFrames) == .rejected)
        #expect(outbox.pending.frames == [#""a""#])
        #expect(outbox.queuedBytes == 19)
        // Frames handed to the sender still count until written.
        var sending = FrameBuffer(headroom: 16)
        _ = outbox.take(into: &sending)
        #expect(outbox.append(frame("0123456789012345678901")) == .rejected)
        outbox.written(bytes: 19, frames: 1)
        #expect(outbox.append(frame("0123456789012345678901")) == .queued(bytes: 40, wake: false))
        #expect(outbox.discardAll() == 40)
        #expect(outbox.queuedBytes == 0)
    }

    @Test func frameCountIsBoundedToo() {
        var outbox = Outbox(limits: .init(maxBytes: 1 << 20, maxFrames: 2), headroom: 0)
        _ = outbox.append(frame("a"))
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
