import Testing
@testable import ProviderCore

/// The parser's output must not depend on where the network splits the body.
@Suite struct SSEParserBoundaryTests {
    /// Everything that can straddle a chunk boundary: a BOM, CRLF, lone CR, CR/LF pairs, comments,
    /// multi-line data, every field, and 2-, 3- and 4-byte UTF-8 characters.
    static let stream: [UInt8] = [0xEF, 0xBB, 0xBF] + Array((
        ": OPENROUTER PROCESSING\r\n\r\n"
            + "event: delta\r\nid: 41\r\nretry: 1500\r\ndata: {\"content\":\"héllo € 😀\"}\r\n\r\n"
            + "data: line one\rdata:line two\r\r"
            + "data:  spaced\ndata\n\n"
            + ":comment without space\n"
            + "id: 42\ndata: [DONE]\n\n"
            + "data: tail without blank line"
    ).utf8)

    static let expected: [SSEParser.Output] = [
        .comment("OPENROUTER PROCESSING"),
        .event(SSEEvent(type: "delta", text: "{\"content\":\"héllo € 😀\"}", lastEventID: "41")),
        .event(SSEEvent(text: "line one\nline two", lastEventID: "41")),
        .event(SSEEvent(text: " spaced\n", lastEventID: "41")),
        .comment("comment without space"),
        .event(SSEEvent(text: "[DONE]", lastEventID: "42")),
        .event(SSEEvent(text: "tail without blank line", lastEventID: "42")),
    ]

    @Test func wholeStreamGivesTheExpectedOutputs() {
        #expect(parse([Self.stream]) == Self.expected)
    }

    @Test func everySingleSplitPointGivesTheSameOutputs() {
        for offset in 0...Self.stream.count {
            let outputs = parse(split(Self.stream, at: [offset]))
            #expect(outputs == Self.expected, "split at byte \(offset)")
            if outputs != Self.expected { return }
        }
    }

    @Test func everyPairOfSplitPointsGivesTheSameOutputs() {
        for first in 0...Self.stream.count {
            for second in first...Self.stream.count {
                let outputs = parse(split(Self.stream, at: [first, second]))
                if outputs != Self.expected {
                    Issue.record("split at bytes \(first) and \(second)")
                    return
                }
            }
        }
    }

    @Test func oneByteAtATimeGivesTheSameOutputs() {
        #expect(parse(Self.stream.map { [$0] }) == Self.expected)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func randomMultiSplitsGiveTheSameOutputs(maximumChunk: Int) {
        var generator = SeededGenerator(seed: 0x5EED_0000 + UInt64(maximumChunk))
        for round in 0..<300 {
            let chunks = randomSplit(Self.stream, maximumChunk: maximumChunk, using: &generator)
            #expect(parse(chunks) == Self.expected, "round \(round): chunk sizes \(chunks.map(\.count))")
        }
    }

    @Test func theParserRecordsTheLastRetry() {
        var parser = SSEParser()
        var generator = SeededGenerator(seed: 7)
        for chunk in randomSplit(Self.stream, maximumChunk: 5, using: &generator) { _ = parser.feed(chunk) }
        #expect(parser.reconnectionTime == 1500)
        #expect(parser.lastEventID == "42")
    }
}
