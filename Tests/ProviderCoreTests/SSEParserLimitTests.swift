import Testing
@testable import ProviderCore

/// The parser never grows without bound: an oversized event is an error, reported once.
@Suite struct SSEParserLimitTests {
    static let small = SSEParser.Configuration(maximumEventSize: 16)

    @Test func aLineAtTheLimitIsDispatchedWholeOrSplit() {
        let data = String(repeating: "x", count: 10)  // "data: " + 10 bytes = the 16-byte limit
        let stream = Array("data: \(data)\n\n".utf8)
        #expect(parse([stream], configuration: Self.small) == [.event(SSEEvent(text: data))])
        #expect(parse(split(stream, at: [9]), configuration: Self.small) == [.event(SSEEvent(text: data))])
    }

    @Test func aLineOneByteOverTheLimitFailsWholeOrSplit() {
        let stream = Array("data: 0123456789a\n\n".utf8)
        for chunks in [[stream], split(stream, at: [9])] {
            let outputs = parse(chunks, configuration: Self.small)
            #expect(outputs.count == 1)
            if case .failure = outputs.first {} else { Issue.record("expected a failure, got \(outputs)") }
        }
    }

    @Test func dataOverTheLimitFailsOnceAndLaterInputIsIgnored() {
        var parser = SSEParser(configuration: Self.small)
        let outputs = parser.feed(Array("data: 0123456789\ndata: 0123456789\n\ndata: after\n\n".utf8))
        #expect(outputs.count == 1)
        guard case .failure(let failure) = outputs.first else {
            Issue.record("expected a failure, got \(outputs)")
            return
        }
        #expect(failure.code == .eventTooLarge)
        #expect(failure.message.contains("16"))
        #expect(parser.isFinished)
        #expect(parser.feed(Array("data: more\n\n".utf8)).isEmpty)
        #expect(parser.finish().isEmpty)
    }

    @Test func eventsBeforeTheOversizedOneAreStillDelivered() {
        let outputs = parse("data: ok\n\ndata: 0123456789abcdefg\n\n", configuration: Self.small)
        #expect(outputs.count == 2)
        #expect(outputs.first == .event(SSEEvent(text: "ok")))
        if case .failure = outputs.last {} else { Issue.record("expected a failure last, got \(outputs)") }
    }

    @Test func aLineThatNeverEndsFailsInsteadOfGrowing() {
        var parser = SSEParser(configuration: Self.small)
        var failures = 0
        for _ in 0..<100 {
            for output in parser.feed(Array("data: aaaaaaa".utf8)) {
                if case .failure = output { failures += 1 }
            }
        }
        #expect(failures == 1)
        #expect(parser.partialLine.isEmpty)
    }

    @Test func aLongCommentInOneChunkFailsToo() {
        let outputs = parse(": " + String(repeating: "z", count: 40) + "\n", configuration: Self.small)
        #expect(outputs.count == 1)
        if case .failure = outputs.first {} else { Issue.record("expected a failure, got \(outputs)") }
    }

    @Test func theDefaultLimitIsOneMebibyte() {
        #expect(SSEParser.Configuration().maximumEventSize == 1 << 20)
        let big = String(repeating: "y", count: (1 << 20) - 6)
        #expect(events(parse("data: \(big)\n\n")).first?.data.count == (1 << 20) - 6)
        #expect(events(parse("data: \(big)y\n\n")).isEmpty)
    }

    @Test(arguments: [24, 30])
    func theLimitGivesTheSameOutcomeWhereverTheStreamIsSplit(limit: Int) {
        let stream = Array("data: 0123456789\ndata: 0123456789\n\ndata: ok\n\n".utf8)
        let configuration = SSEParser.Configuration(maximumEventSize: limit)
        let whole = parse([stream], configuration: configuration)
        if limit == 24 {
            #expect(whole.count == 1 && whole.first.map { if case .failure = $0 { true } else { false } } == true)
        } else {
            #expect(events(whole).map(\.text) == ["0123456789\n0123456789", "ok"])
        }
        for offset in 0...stream.count {
            #expect(parse(split(stream, at: [offset]), configuration: configuration) == whole, "split at \(offset)")
        }
    }
}
