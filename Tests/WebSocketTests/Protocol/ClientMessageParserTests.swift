import Host
import Testing
import WebSocketProtocol

/// Parsing and validating client frames, without sockets.
@Suite struct ClientMessageParserTests {
    func parse(_ text: String, fallback: Dialect = .action) -> Result<ClientCommand, ClientFailure> {
        var text = text
        return text.withUTF8 { ClientMessageParser.parse(UnsafeRawBufferPointer($0), fallback: fallback) }
    }

    @Test func actionChat_withEveryField() throws {
        let command = try parse(#"{"action":"chat","request_id":"r","payload":{"text":"hi","conversation_id":"c","model":"m","streaming":false,"options":{"temperature":0.2},"tool_name":"t"}}"#).get()
        #expect(command == ClientCommand(dialect: .action, requestId: "r", action: .chat(ChatRequest(
            text: "hi", conversationId: "c", model: "m", stream: false, options: ["temperature": 0.2], toolName: "t"))))
        guard case .chat(let chat) = command.action else { return }
        #expect(chat.hostRequest(owner: "o", requestId: "r", conversationId: "c")
                == ["owner": "o", "request_id": "r", "text": "hi", "conversation_id": "c", "model": "m", "stream": false,
                    "options": ["temperature": 0.2], "tool_name": "t"])
    }

    @Test func typeUserMessage_andItsOtherTypes() throws {
        #expect(try parse(#"{"type":"user_message","message":"hi"}"#).get()
                == ClientCommand(dialect: .type, requestId: nil, action: .chat(ChatRequest(text: "hi"))))
        #expect(try parse(#"{"type":"clear_history"}"#).get().action == .clearSession)
        #expect(try parse(#"{"type":"cancel"}"#).get().action == .cancel)
        #expect(try parse(#"{"type":"resume","request_id":"r","after_seq":4}"#).get().action == .resume(afterSeq: 4))
        #expect(try parse(#"{"type":"list_catalog"}"#).get().action == .hostOp(HostOpRequest(op: "list_catalog", fields: [:])))
        #expect(try parse(#"{"type":"save_session","name":"n"}"#).get().action
                == .hostOp(HostOpRequest(op: "save_conversation", fields: ["name": "n"], usesCurrentConversation: true)))
    }

    @Test func nullFields_countAsAbsent_andUnknownPayloadFieldsAreIgnored() throws {
        let command = try parse(#"{"action":"chat","request_id":"r","payload":{"text":"hi","model":null,"extra":1}}"#).get()
        #expect(command.action == .chat(ChatRequest(text: "hi")))
    }

    @Test func validationErrors_nameEveryField() {
        let failure = parse(#"{"action":"get_conversation","request_id":"r","payload":{"messages_limit":"x"}}"#)
        #expect(failure == .failure(ClientFailure(dialect: .action, requestId: "r", error: .invalid([
            .missing("payload.conversation_id"), .type("payload.messages_limit", "an integer")]))))
        let typeFailure = parse(#"{"type":"resume","after_seq":-1}"#)
        #expect(typeFailure == .failure(ClientFailure(dialect: .type, requestId: nil, error: .invalid([
            .missing("request_id"), .value("after_seq", "must be between 0 and 9223372036854775807")]))))
        let arguments = parse(#"{"action":"apply_prompt","request_id":"r","payload":{"name":"p","arguments":{"a":1}}}"#)
        #expect(arguments == .failure(ClientFailure(dialect: .action, requestId: "r", error: .invalid([.type("payload.arguments.a", "a string")]))))
    }

    @Test func framesWithoutADialect_areAnsweredInTheConnectionsLastDialect() {
        #expect(parse(#"{"text":"hi"}"#, fallback: .type) == .failure(ClientFailure(dialect: .type, requestId: nil, error: .invalid([.missing("type")]))))
        #expect(parse("[1]", fallback: .type)
                == .failure(ClientFailure(dialect: .type, requestId: nil, error: ClientError(code: 400, reason: "invalid_request",
                                                                                              message: "a message must be a JSON object"))))
        guard case .failure(let failure) = parse("{\"action\":", fallback: .action) else { Issue.record("must fail"); return }
        #expect(failure.error.reason == "invalid_json")
    }

    @Test func overlongRequestId_isRefused() {
        let id = String(repeating: "r", count: ClientMessageParser.maxRequestIdBytes + 1)
        guard case .failure(let failure) = parse(#"{"action":"cancel","request_id":"\#(id)"}"#) else { Issue.record("must fail"); return }
        #expect(failure.error.validationErrors == [.value("request_id", "must be at most 256 bytes")])
    }
}
