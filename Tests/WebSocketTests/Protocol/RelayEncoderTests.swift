import Host
import Testing
import WebSocketProtocol

/// The frames each host event becomes, in both dialects, without sockets.
@Suite struct RelayEncoderTests {
    func frames(_ encoder: inout RelayEncoder, _ events: [(HostEvent.Kind, String, String, String, String, Int64)]) -> [String] {
        var buffer = FrameBuffer(headroom: 16)
        for (kind, text, id, name, data, index) in events {
            HostEvent.with(kind, text: text, id: id, name: name, data: data, index: index) { event in
                _ = encoder.encode(event, into: &buffer)
            }
        }
        return buffer.frames
    }

    @Test func textDeltas_takeTheFastPath_withKeysInSortedOrder() {
        var action = RelayEncoder(dialect: .action, requestId: "r\"1", stream: .turn)
        #expect(frames(&action, [(.textDelta, "a\"b\\c\n\u{1}", "", "", "", 7)])
                == [#"{"chunk":{"data":"a\"b\\c\n\u0001","type":"text"},"request_id":"r\"1","seq":7,"status":"chunk"}"#])
        var type = RelayEncoder(dialect: .type, requestId: "t", stream: .turn)
        #expect(frames(&type, [(.reasoningDelta, "hm", "", "", "", 2)])
                == [#"{"chunk":{"data":"hm","type":"reasoning"},"request_id":"t","seq":2,"type":"assistant_chunk"}"#])
        var quiet = RelayEncoder(dialect: .type, requestId: "t", stream: .turn, deltas: false)
        #expect(frames(&quiet, [(.textDelta, "x", "", "", "", 2)]).isEmpty)
    }

    @Test func turnEvent_revealsTheConversation_andBecomesProcessingOrTurnStarted() {
        var encoder = RelayEncoder(dialect: .action, requestId: "r", stream: .turn)
        var buffer = FrameBuffer(headroom: 0)
        let conversation = HostEvent.with(.message, name: "turn", data: #"{"conversation_id":"c","request_id":"r","model":"m","provider":"p"}"#,
                                          index: 1) { encoder.encode($0, into: &buffer) }
        #expect(conversation == "c")
        #expect(buffer.frames == [#"{"conversation_id":"c","model":"m","provider":"p","request_id":"r","seq":1,"status":"processing"}"#])
    }

    @Test func done_isCompletedPlusTheLegacyCompleteAlias() {
        var encoder = RelayEncoder(dialect: .action, requestId: "r", stream: .turn)
        let done = #"{"conversation_id":"c","usage":{"total_tokens":42}}"#
        #expect(frames(&encoder, [(.done, "", "", "", done, 9)]) == [
            #"{"metadata":{"conversation_id":"c","tokens":42},"request_id":"r","result":{"conversation_id":"c","usage":{"total_tokens":42}},"seq":9,"status":"completed"}"#,
            #"{"metadata":{"conversation_id":"c","tokens":42},"request_id":"r","seq":9,"status":"complete"}"#,
        ])
        var modern = RelayEncoder(dialect: .action, requestId: "r", stream: .turn, legacyComplete: false)
        #expect(frames(&modern, [(.done, "", "", "", "{}", 2)]).count == 1)
    }

    @Test func typeDialect_assistantMessage_collectsTheDeltas_whenDoneHasNoMessage() {
        var encoder = RelayEncoder(dialect: .type, requestId: "t", stream: .turn, deltas: false)
        let result = frames(&encoder, [(.reasoningDelta, "think", "", "", "", 2), (.textDelta, "Hel", "", "", "", 3), (.textDelta, "lo", "", "", "", 4),
                                       (.usage, "", "", "", #"{"total_tokens":3}"#, 5), (.finish, "length", "", "", "", 6), (.done, "", "", "", "{}", 7)])
        #expect(result == [
            #"{"request_id":"t","seq":5,"type":"usage","usage":{"total_tokens":3}}"#,
            #"{"finish_reason":"length","message":"Hello","request_id":"t","seq":7,"thinking":"think","type":"assistant_message","usage":{"total_tokens":3}}"#,
        ])
    }

    @Test func errorsAndCancels_inBothDialects() {
        var action = RelayEncoder(dialect: .action, requestId: "r", stream: .result(op: "get_conversation"))
        var buffer = FrameBuffer(headroom: 0)
        HostEvent.with(.error, text: "gone", name: "not_found", status: -5) { _ = action.encode($0, into: &buffer) }
        HostEvent.with(.cancelled, index: 4) { _ = action.encode($0, into: &buffer) }
        #expect(buffer.frames == [#"{"error":{"code":404,"message":"gone","reason":"not_found"},"request_id":"r","status":"error"}"#,
                                  #"{"request_id":"r","seq":4,"status":"cancelled"}"#])
        var type = RelayEncoder(dialect: .type, requestId: "t", stream: .turn)
        #expect(frames(&type, [(.error, "", "", "", "", 3)])
                == [#"{"error_code":"INTERNAL_ERROR","error_message":"internal error","request_id":"t","seq":3,"type":"error"}"#])
    }

    @Test func resultOps_answerWithResultFrames() {
        var type = RelayEncoder(dialect: .type, requestId: "t", stream: .result(op: "list_catalog"))
        #expect(frames(&type, [(.progress, "", "", "", "{}", 0), (.done, "", "", "", #"{"tools":[]}"#, 0)])
                == [#"{"op":"list_catalog","request_id":"t","result":{"tools":[]},"type":"result"}"#])
    }

    @Test func invalidUTF8FromTheHost_isReplaced_soFramesAreAlwaysValidText() {
        let bytes: [UInt8] = [0x61, 0xFF, 0xE2, 0x82, 0xAC, 0xE2, 0x82, 0x62, 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xA0, 0x80]
        var output: [UInt8] = []
        bytes.withUnsafeBytes { JSONBytes.appendEscaped($0, to: &output) }
        #expect(String(decoding: output, as: UTF8.self) == "a\u{FFFD}€\u{FFFD}\u{FFFD}b😀\u{FFFD}\u{FFFD}\u{FFFD}")
        output.withUnsafeBytes { #expect(JSONBytes.isValidUTF8($0)) }
        bytes.withUnsafeBytes { #expect(!JSONBytes.isValidUTF8($0)) }
    }

    @Test func replyFrames_forTransportErrorsAndClears() {
        var buffer = FrameBuffer(headroom: 0)
        ReplyFrames.appendError(.invalid([.missing("payload.text")]), dialect: .action, requestId: nil, into: &buffer)
        ReplyFrames.appendCleared(dialect: .type, requestId: nil, into: &buffer)
        ReplyFrames.appendCleared(dialect: .action, requestId: "x", into: &buffer)
        #expect(buffer.frames == [
            #"{"error":{"code":400,"data":{"validation_errors":[{"field":"payload.text","message":"field required","type":"missing"}]},"message":"Parameter validation failed","reason":"invalid_request"},"request_id":null,"status":"error"}"#,
            #"{"type":"session_cleared"}"#,
            #"{"request_id":"x","result":{"cleared":true},"status":"completed"}"#,
        ])
    }
}
