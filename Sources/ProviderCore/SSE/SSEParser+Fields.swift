extension SSEParser {
    /// Interprets one complete line (without its terminator), per the spec's field rules.
    mutating func processLine(_ line: UnsafeBufferPointer<UInt8>, into outputs: inout some SSEOutputSink) {
        // The same measure as `stash` uses for a split line, so the outcome never depends on where
        // the network split the stream.
        guard data.count + line.count <= configuration.maximumEventSize else { return failTooLarge(into: &outputs) }
        guard let first = line.first else { return dispatch(into: &outputs) }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.count
        var valueStart = min(colon + 1, line.count)
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = UnsafeBufferPointer(rebasing: line[valueStart...])
        if first == UInt8(ascii: ":") {
            outputs.receive(.comment(String(decoding: value, as: UTF8.self)))
            return
        }
        let name = UnsafeBufferPointer(rebasing: line[..<colon])
        if name.equals("data") {
            appendData(value)
        } else if name.equals("event") {
            eventType = String(decoding: value, as: UTF8.self)
        } else if name.equals("id") {
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        } else if name.equals("retry") {
            if !value.isEmpty, value.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
               let milliseconds = Int(String(decoding: value, as: UTF8.self)) {
                reconnectionTime = milliseconds
            }
        }
        // Any other field name is ignored, as the spec says.
    }

    /// Appends a `data:` value to the event's data, joining lines with LF. (The line's own size
    /// check covers the value and its separator: "data:" is longer than "\n".)
    private mutating func appendData(_ value: UnsafeBufferPointer<UInt8>) {
        if dataLineCount > 0 { data.append(UInt8(ascii: "\n")) }
        data.append(contentsOf: value)
        dataLineCount += 1
    }

    /// The most data capacity kept between events (a stream's events are usually far smaller).
    static let retainedDataCapacity = 64 * 1024

    /// A blank line: dispatches the event if it has data, then starts a new one.
    mutating func dispatch(into outputs: inout some SSEOutputSink) {
        defer { eventType = nil }
        guard dataLineCount > 0 else { return }
        let type = eventType.flatMap { $0.isEmpty ? nil : $0 } ?? "message"
        outputs.receiveEvent(type: type, data: &data, lastEventID: lastEventID)
        // The buffer (unless the sink took it) is reused for the next event, unless an unusually
        // large one grew it.
        if data.capacity > Self.retainedDataCapacity { data = [] } else { data.removeAll(keepingCapacity: true) }
        dataLineCount = 0
    }

    /// Reports an oversized event once and stops the parser.
    mutating func failTooLarge(into outputs: inout some SSEOutputSink) {
        let message = "an event over \(configuration.maximumEventSize) bytes (its data plus the line being read)"
        outputs.receive(.failure(SSEParserError(code: .eventTooLarge, message: message)))
        state = .failed
        partialLine = []
        data = []
        dataLineCount = 0
    }
}
