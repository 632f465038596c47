/// Where `SSEParser` puts what it parses. `[SSEParser.Output]` collects owned outputs (the
/// public API); `ChatStreamDecoder` reads each event's data in place instead, so a streamed chunk
/// costs no allocation or copy of its data.
protocol SSEOutputSink {
    /// A dispatched event. `data` is the parser's own buffer: read it in place (the parser reuses
    /// it for the next event) or take it, leaving it empty.
    mutating func receiveEvent(type: String, data: inout [UInt8], lastEventID: String)
    /// A comment or a failure (never `.event`).
    mutating func receive(_ output: SSEParser.Output)
}

extension Array: SSEOutputSink where Element == SSEParser.Output {
    mutating func receiveEvent(type: String, data: inout [UInt8], lastEventID: String) {
        var taken: [UInt8] = []
        swap(&taken, &data)
        append(.event(SSEEvent(type: type, data: taken, lastEventID: lastEventID)))
    }

    mutating func receive(_ output: SSEParser.Output) {
        append(output)
    }
}
