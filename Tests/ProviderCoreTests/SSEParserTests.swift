import Foundation
import Testing
@testable import ProviderCore

/// Field rules of the WHATWG event-stream format, fed in one piece.
@Suite struct SSEParserTests {
    @Test func dataWithAndWithoutTheLeadingSpaceGiveTheSameValue() {
        #expect(events(parse("data: x\n\ndata:x\n\n")).map(\.text) == ["x", "x"])
    }

    @Test func onlyOneLeadingSpaceIsRemovedFromAValue() {
        #expect(events(parse("data:  two spaces\n\n")).map(\.text) == [" two spaces"])
    }

    @Test func multiLineDataIsJoinedWithLineFeeds() {
        #expect(events(parse("data: first\ndata:\ndata: third\n\n")).map(\.text) == ["first\n\nthird"])
    }

    @Test func aDataLineWithoutColonAddsAnEmptyLine() {
        let parsed = events(parse("data\n\ndata\ndata\n\n"))
        #expect(parsed.map(\.text) == ["", "\n"])
    }

    @Test func eventTypeDefaultsToMessageAndResetsAfterEachDispatch() {
        let parsed = events(parse("event: error\ndata: a\n\ndata: b\n\nevent:\ndata: c\n\n"))
        #expect(parsed.map(\.type) == ["error", "message", "message"])
    }

    @Test func lastEventIDPersistsAcrossEventsAndIgnoresValuesWithNUL() {
        var parser = SSEParser()
        let outputs = parser.feed(Array("id: 7\ndata: a\n\ndata: b\n\nid: 8\u{0}9\ndata: c\n\nid\ndata: d\n\n".utf8))
        #expect(events(outputs).map(\.lastEventID) == ["7", "7", "7", ""])
        #expect(parser.lastEventID == "")
    }

    @Test func retrySetsTheReconnectionTimeOnlyForDigits() {
        var parser = SSEParser()
        _ = parser.feed(Array("retry: 3000\n\n".utf8))
        #expect(parser.reconnectionTime == 3000)
        _ = parser.feed(Array("retry: 12a\nretry:\nretry: -5\n\n".utf8))
        #expect(parser.reconnectionTime == 3000)
        _ = parser.feed(Array("retry:250\n".utf8))
        #expect(parser.reconnectionTime == 250)
    }

    @Test func commentsAreReportedSeparatelyAndNeverAsData() {
        let outputs = parse(": OPENROUTER PROCESSING\n\ndata: a\n:keep-alive\ndata: b\n\n")
        #expect(outputs == [.comment("OPENROUTER PROCESSING"), .comment("keep-alive"),
                            .event(SSEEvent(text: "a\nb"))])
    }

    @Test func unknownFieldsAreIgnored() {
        #expect(events(parse("foo: bar\ndata: a\nDATA: b\n data: c\n\n")).map(\.text) == ["a"])
    }

    @Test func blankLinesWithoutDataDispatchNothing() {
        #expect(parse("\n\n\nevent: x\n\nid: 1\n\n").isEmpty)
    }

    @Test(arguments: ["\n", "\r\n", "\r"])
    func everyLineEndingGivesTheSameEvents(lineEnding: String) {
        let stream = "event: update\ndata: one\ndata: two\n\n: note\ndata: three\n\n"
            .replacingOccurrences(of: "\n", with: lineEnding)
        #expect(parse(stream) == [.event(SSEEvent(type: "update", text: "one\ntwo")), .comment("note"),
                                  .event(SSEEvent(text: "three"))])
    }

    @Test func mixedLineEndingsInOneStream() {
        #expect(events(parse("data: a\r\ndata: b\rdata: c\n\r\n")).map(\.text) == ["a\nb\nc"])
    }

    @Test func aCRAtTheEndOfAChunkAndItsLFInTheNextAreOneLineEnding() {
        // Were the LF read as a second line ending, it would be a blank line dispatching "a" alone.
        let outputs = parse([Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r".utf8), Array("\n".utf8)])
        #expect(events(outputs).map(\.text) == ["a\nb"])
    }

    @Test func aLeadingByteOrderMarkIsDropped() {
        #expect(events(parse("\u{FEFF}data: a\n\n")).map(\.text) == ["a"])
    }

    @Test func aByteOrderMarkSplitAcrossChunksIsDropped() {
        let bytes = [UInt8]([0xEF, 0xBB, 0xBF]) + Array("data: a\n\n".utf8)
        #expect(events(parse([[bytes[0]], [bytes[1]], Array(bytes[2...])])).map(\.text) == ["a"])
    }

    @Test func aByteOrderMarkLaterInTheStreamIsContent() {
        // Only the very first character may be a BOM; later it makes the field name unknown.
        #expect(events(parse("data: a\n\n\u{FEFF}data: b\n\ndata: c\n\n")).map(\.text) == ["a", "c"])
    }

    @Test func thePrefixOfAByteOrderMarkIsKeptAsContent() {
        // EF BB then "data" is not a BOM: the bytes belong to the first line's field name.
        let bytes = [UInt8]([0xEF, 0xBB]) + Array("data: lost\n\ndata: kept\n\n".utf8)
        #expect(events(parse([[0xEF], Array(bytes[1...])])).map(\.text) == ["kept"])
        #expect(events(parse([[0xEF, 0xBB]])).isEmpty)
    }

    @Test func invalidUTF8IsReplacedOnlyWhenDecoded() {
        let bytes = Array("data: a".utf8) + [0xFF] + Array("b\n\n".utf8)
        let event = events(parse([bytes])).first
        #expect(event?.data == Array("a".utf8) + [0xFF] + Array("b".utf8))
        #expect(event?.text == "a\u{FFFD}b")
    }

    @Test func finishDispatchesAnUnterminatedLastEventByDefault() {
        #expect(events(parse("data: a\n\ndata: [DONE]")).map(\.text) == ["a", "[DONE]"])
        #expect(events(parse("data: a\ndata: b\n")).map(\.text) == ["a\nb"])
    }

    @Test func finishDiscardsAnUnterminatedLastEventWhenConfiguredAsTheSpecSays() {
        let strict = SSEParser.Configuration(dispatchesUnterminatedEventAtEnd: false)
        #expect(events(parse("data: a\n\ndata: b\n", configuration: strict)).map(\.text) == ["a"])
        #expect(events(parse("data: a\n\ndata: [DONE]", configuration: strict)).map(\.text) == ["a"])
    }

    @Test func inputAfterFinishIsIgnored() {
        var parser = SSEParser()
        #expect(parser.finish().isEmpty)
        #expect(parser.isFinished)
        #expect(parser.feed(Array("data: late\n\n".utf8)).isEmpty)
        #expect(parser.finish().isEmpty)
    }
}
