import Foundation
import Host
@testable import MCPClient
import Synchronization
import Testing

/// Framing and decoding, without processes or sockets.
@Suite struct WireTests {
    func feed(_ buffer: inout LineBuffer, _ text: String) -> [LineBuffer.Item] {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { buffer.append(UnsafeRawBufferPointer($0)) }
    }

    @Test func linesAreSplitAcrossChunksAndCRLFIsAccepted() {
        var buffer = LineBuffer(maxLineBytes: 100)
        #expect(feed(&buffer, "{\"a\":").isEmpty)
        #expect(feed(&buffer, "1}\r\n{\"b\":2}\n\n{\"c\"") == [.line(Array("{\"a\":1}".utf8)), .line(Array("{\"b\":2}".utf8))])
        #expect(buffer.unfinishedCount == 4)
    }

    @Test func anOverlongLineIsDroppedAndTheNextOneStillArrives() {
        var buffer = LineBuffer(maxLineBytes: 10)
        #expect(feed(&buffer, String(repeating: "x", count: 8)).isEmpty)
        #expect(feed(&buffer, String(repeating: "y", count: 30)).isEmpty, "nothing is buffered beyond the limit")
        #expect(buffer.unfinishedCount == 38)
        #expect(feed(&buffer, "z\nok\n") == [.tooLong(bytes: 39), .line(Array("ok".utf8))])
    }

    @Test func messagesOfEveryKindDecode() throws {
        #expect(try JSONRPC.decode(Array(#"{"jsonrpc":"2.0","id":7,"result":{"x":1}}"#.utf8)) == [.result(id: .number(7), .object(["x": .int(1)]))])
        #expect(try JSONRPC.decode(Array(#"{"jsonrpc":"2.0","id":"a","error":{"code":-32601,"message":"nope"}}"#.utf8))
                == [.error(id: .string("a"), RPCError(code: -32601, message: "nope"))])
        #expect(try JSONRPC.decode(Array(#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#.utf8)) == [.request(id: .number(1), method: "ping", params: nil)])
        #expect(try JSONRPC.decode(Array(#"[{"jsonrpc":"2.0","method":"notifications/x"},{"jsonrpc":"2.0","id":2,"result":{}}]"#.utf8)).count == 2)
        #expect(throws: JSONRPC.DecodingFailure.self) { try JSONRPC.decode(Array("not json".utf8)) }
        #expect(throws: JSONRPC.DecodingFailure.self) { try JSONRPC.decode(Array(#"{"jsonrpc":"2.0","id":1}"#.utf8)) }
        #expect(throws: JSONRPC.DecodingFailure.self) { try JSONRPC.decode(Array("[]".utf8)) }
    }

    @Test func encodedMessagesAreOneLine() {
        let body = JSONRPC.request(id: .number(3), method: "tools/call", params: .object(["text": .string("a\nb")]))
        #expect(!body.contains(UInt8(ascii: "\n")))
        #expect(String(decoding: body, as: UTF8.self) == #"{"id":3,"jsonrpc":"2.0","method":"tools/call","params":{"text":"a\nb"}}"#)
    }

    @Test func modernRequestsCarryTheEnvelopeAndProgressToken() {
        let session = SessionInfo(era: .modern, version: "2026-07-28", capabilities: .object([:]))
        let params = session.params(.object(["name": .string("t")]), progressToken: .number(9), logLevel: "info")
        let meta = params?["_meta"]
        #expect(meta?["io.modelcontextprotocol/protocolVersion"] == .string("2026-07-28"))
        #expect(meta?["io.modelcontextprotocol/clientCapabilities"] == .object([:]))
        #expect(meta?["io.modelcontextprotocol/clientInfo"]?["name"] == .string("switchboard"))
        #expect(meta?["io.modelcontextprotocol/logLevel"] == .string("info"))
        #expect(meta?["progressToken"] == .int(9))
        let legacy = SessionInfo(era: .legacy, version: "2025-06-18", capabilities: .object([:]))
        #expect(legacy.params(.object([:]), progressToken: nil) == .object([:]), "legacy requests carry no envelope")
        #expect(legacy.params(nil, progressToken: .number(1))?["_meta"] == .object(["progressToken": .int(1)]))
    }

    /// A response stream as the HTTP transport reads it: SSE split anywhere, a priming event with
    /// empty data, a notification before the response, the event id kept for resumption.
    @Test func anSSEResponseStreamDeliversItsMessagesAndNotesTheEventID() {
        let delivered = Mutex<[TransportEvent]>([])
        let exchange = HTTPExchange(awaiting: .number(7), maxMessageBytes: 1000) { event in delivered.withLock { $0.append(event) } }
        exchange.head(200, ["content-type": "text/event-stream"])
        let body = "id: 1\nretry: 250\ndata:\n\nid: 2\r\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":7,\"progress\":1}}\r\n\r\n"
            + "id: 3\ndata: {\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}\n\n"
        var bytes = Array(body.utf8)
        for start in stride(from: 0, to: bytes.count, by: 7) {  // chunks that split lines and CRLFs
            let end = min(start + 7, bytes.count)
            #expect(bytes[start..<end].withUnsafeBytes { exchange.body($0) })
        }
        bytes.removeAll()
        let messages = delivered.withLock { $0.compactMap { if case .message(let message) = $0 { return message } else { return nil } } }
        #expect(messages.count == 2)
        #expect(messages.last == .result(id: .number(7), .object([:])))
        #expect(exchange.sawResponse)
        #expect(exchange.lastEventID == "3")
        #expect(exchange.retryMilliseconds == 250)
    }

    @Test func anSSEEventOverTheLimitAbortsTheResponse() {
        let exchange = HTTPExchange(awaiting: .number(1), maxMessageBytes: 64) { _ in }
        exchange.head(200, ["content-type": "text/event-stream; charset=utf-8"])
        let body = Array(("data: " + String(repeating: "x", count: 200) + "\n\n").utf8)
        #expect(!body.withUnsafeBytes { exchange.body($0) }, "the transfer is stopped")
        #expect(exchange.overflowed)
        #expect(!exchange.sawResponse)
    }

    @Test func nonASCIIHeaderValuesAreBase64Encoded() {
        #expect(HTTPTransport.headerValue("get_time") == "get_time")
        #expect(HTTPTransport.headerValue("café") == "=?base64?Y2Fmw6k=?=")
    }
}
