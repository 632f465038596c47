import CWebSockets
import Glibc
import WebSocketProtocol

extension Connection {
    /// Frames written per writable callback at most, so one busy connection cannot hold up the others.
    static let framesPerRound = 128
    static let bytesPerRound = 256 * 1024

    /// LWS_CALLBACK_SERVER_WRITEABLE: writes queued frames until the socket would block or the
    /// round's budget is spent, then asks for another callback if anything is left; or sends
    /// the close frame the transport decided on.
    /// - Returns: the callback's result (-1 closes the connection).
    /// - Important: Service thread only.
    func writable() -> Int32 {
        if let (code, reason) = closeToSend() {
            var text = Array(reason.utf8.prefix(120))  // a close reason fits 123 bytes
            text.withUnsafeMutableBufferPointer { lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code)), $0.baseAddress, $0.count) }
            return -1
        }
        var frames = 0
        var bytes = 0
        var corked = false
        defer {
            loop.stats.framesSent.add(frames, ordering: .relaxed)
            if corked { setCork(false) }
        }
        while frames < Self.framesPerRound && bytes < Self.bytesPerRound {
            if sending.isEmpty {
                sending.reset()
                let took = shared.withLock { $0.state == .open && $0.outbox.take(into: &sending) }
                if !took {
                    if shared.withLock({ $0.state != .open || $0.outbox.finishIfIdle() }) { return 0 }
                    continue  // frames came in between: take them
                }
            }
            if !corked, sending.frameCount > 1 { corked = true; setCork(true) }
            var roundBytes = 0
            var roundFrames = 0
            var failed = false
            var choked = false
            while !choked, frames + roundFrames < Self.framesPerRound,
                  let written = sending.withNextFrame({ payload, length in
                      (true, lws_write(wsi, payload, length, LWS_WRITE_TEXT) >= Int32(length) ? length : -1)
                  }) {
                guard written >= 0 else { failed = true; break }
                roundBytes += written + sending.headroom
                roundFrames += 1
                choked = lws_send_pipe_choked(wsi) != 0
            }
            shared.withLock { $0.outbox.written(bytes: roundBytes, frames: roundFrames, choked: choked) }
            loop.releaseQueued(roundBytes)
            frames += roundFrames
            bytes += roundBytes
            if failed { return -1 }
            if choked { break }
        }
        lws_callback_on_writable(wsi)
        return 0
    }

    private func setCork(_ on: Bool) {
        var value: Int32 = on ? 1 : 0
        _ = setsockopt(lws_get_socket_fd(wsi), Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The close frame to send now, if the transport decided to close.
    private func closeToSend() -> (UInt16, String)? {
        shared.withLock { shared in
            if case .closing(let code, let reason, _) = shared.state { return (code, reason) }
            return nil
        }
    }
}
