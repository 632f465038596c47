import Foundation
import Testing
@testable import ProviderCore

/// Raw body bytes to provider events: the result must not depend on how the network splits them.
@Suite struct ChatStreamDecoderTests {
    static let streams: [(name: String, body: String, expected: [ProviderEvent])] = [
        ("openai", Fixtures.openAI, Fixtures.openAIEvents),
        ("openrouter", Fixtures.openRouter, Fixtures.openRouterEvents),
        ("openrouter-crlf", Fixtures.openRouter.replacingOccurrences(of: "\n", with: "\r\n"), Fixtures.openRouterEvents),
        ("openrouter-cr", Fixtures.openRouter.replacingOccurrences(of: "\n", with: "\r"), Fixtures.openRouterEvents),
    ]

    @Test(arguments: 0..<streams.count)
    func everySingleSplitPointGivesTheSameEvents(stream: Int) {
        let (name, body, expected) = Self.streams[stream]
        let bytes = Array(body.utf8)
        for offset in 0...bytes.count {
            let events = decode(split(bytes, at: [offset]))
            if events != expected {
                Issue.record("\(name): split at byte \(offset) gave \(events)")
                return
            }
        }
    }

    @Test(arguments: 0..<streams.count)
    func randomMultiSplitsGiveTheSameEvents(stream: Int) {
        let (name, body, expected) = Self.streams[stream]
        let bytes = Array(body.utf8)
        var generator = SeededGenerator(seed: 0xC0FFEE + UInt64(stream))
        for round in 0..<200 {
            let chunks = randomSplit(bytes, maximumChunk: [1, 3, 17, 200][round % 4], using: &generator)
            let events = decode(chunks)
            if events != expected {
                Issue.record("\(name) round \(round): chunk sizes \(chunks.map(\.count)) gave \(events)")
                return
            }
        }
    }

    @Test func oneByteAtATimeGivesTheSameEvents() {
        let bytes = Array(Fixtures.openRouter.utf8)
        #expect(decode(bytes.map { [$0] }) == Fixtures.openRouterEvents)
    }

    @Test func eventsArriveAsSoonAsTheirChunkIsComplete() {
        var decoder = ChatStreamDecoder()
        let first = Array(("data: " + chunk(delta: #"{"content":"He"}"#)).utf8)
        #expect(decoder.feed(first).isEmpty)  // no blank line yet
        #expect(decoder.feed(Array("\n\n".utf8)) == [.textDelta("He")])
        #expect(decoder.feed(Array("data: [DONE]\n\n".utf8)) == [.done])
        #expect(decoder.isFinished)
        #expect(decoder.feed(Array("data: [DONE]\n\n".utf8)).isEmpty)
        #expect(decoder.finish().isEmpty)
    }

    @Test func aStreamEndingWithoutItsLastBlankLineStillEndsCleanly() {
        let body = "data: " + chunk(delta: #"{"content":"x"}"#, finishReason: "stop") + "\n\ndata: [DONE]"
        #expect(decode(body) == [.textDelta("x"), .finish(reason: "stop"), .done])
    }

    @Test func theRawBufferEntryPointMatchesTheArrayOne() {
        var decoder = ChatStreamDecoder()
        var events: [ProviderEvent] = []
        Array(Fixtures.openAI.utf8).withUnsafeBytes { decoder.feed($0, into: &events) }
        decoder.finish(into: &events)
        #expect(events == Fixtures.openAIEvents)
    }
}
