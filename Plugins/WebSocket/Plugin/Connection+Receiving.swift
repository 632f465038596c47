import CWebSockets
import WebSocketProtocol

extension Connection {
    /// Capacity the receive buffer keeps between messages; a larger one (after a big message) is released.
    static let retainedReceiveCapacity = 16 * 1024

    /// LWS_CALLBACK_RECEIVE: collects a message's fragments and handles it once complete.
    /// Binary frames close the connection with 1003 and messages over `max_message_size` with
    /// 1009 (as soon as a frame header announces too much). lws itself closes with 1007 on
    /// invalid UTF-8 (LWS_SERVER_OPTION_VALIDATE_UTF8).
    /// - Returns: the callback's result (-1 closes the connection).
    /// - Important: Service thread only.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        if lws_frame_is_binary(wsi) != 0 {
            return close(1003, "binary frames are not supported: send JSON text frames")
        }
        let announced = receiveBuffer.count + bytes.count + Int(lws_remaining_packet_payload(wsi))
        guard announced <= loop.config.maxMessageSize else {
            receiveBuffer = []
            return close(1009, "message too big (the limit is \(loop.config.maxMessageSize) bytes)")
        }
        guard lws_is_final_fragment(wsi) != 0, lws_remaining_packet_payload(wsi) == 0 else {
            receiveBuffer.append(contentsOf: bytes)
            return 0
        }
        loop.stats.messagesReceived.add(1, ordering: .relaxed)
        if receiveBuffer.isEmpty {
            handleMessage(bytes)  // the common case: a whole message in one piece, no copy
        } else {
            receiveBuffer.append(contentsOf: bytes)
            let message = receiveBuffer
            if receiveBuffer.capacity > Self.retainedReceiveCapacity { receiveBuffer = [] } else { receiveBuffer.removeAll(keepingCapacity: true) }
            message.withUnsafeBytes { handleMessage($0) }
        }
        return 0
    }

    private func handleMessage(_ bytes: UnsafeRawBufferPointer) {
        switch ClientMessageParser.parse(bytes, fallback: lastDialect) {
        case .success(let command):
            lastDialect = command.dialect
            perform(command)
        case .failure(let failure):
            enqueueError(failure.error, dialect: failure.dialect, requestId: failure.requestId)
        }
    }

    /// Sets the close code and reason and returns -1, which makes lws send the close frame.
    func close(_ code: UInt16, _ reason: String) -> Int32 {
        var text = Array(reason.utf8.prefix(120))
        text.withUnsafeMutableBufferPointer { lws_close_reason(wsi, lws_close_status(rawValue: UInt32(code)), $0.baseAddress, $0.count) }
        loop.stats.closedByProtocol.add(1, ordering: .relaxed)
        return -1
    }
}
