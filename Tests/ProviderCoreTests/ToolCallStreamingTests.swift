import Testing
@testable import ProviderCore

/// Tool calls arrive in fragments and leave complete, in index order, only once the choice ends.
@Suite struct ToolCallStreamingTests {
    private func fragment(index: Int?, id: String? = nil, name: String? = nil, arguments: String?) -> String {
        var call: [String] = []
        if let index { call.append("\"index\":\(index)") }
        if let id { call.append("\"id\":\"\(id)\",\"type\":\"function\"") }
        var function: [String] = []
        if let name { function.append("\"name\":\"\(name)\"") }
        if let arguments { function.append("\"arguments\":\(jsonString(arguments))") }
        call.append("\"function\":{\(function.joined(separator: ","))}")
        return chunk(delta: "{\"tool_calls\":[{\(call.joined(separator: ","))}]}")
    }

    private func jsonString(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    @Test func argumentsSplitAcrossManyFragmentsAreJoinedExactly() {
        let arguments = #"{"query": "café \"quoted\" 😀", "limit": 10, "filters": {"lang": ["fr", "en"]}}"#
        var payloads = [fragment(index: 0, id: "call_1", name: "search", arguments: "")]
        payloads += arguments.map { fragment(index: 0, arguments: String($0)) }  // one character per fragment
        payloads += [chunk(finishReason: "tool_calls"), "[DONE]"]
        #expect(accumulate(payloads) == [
            .toolCall(ToolCall(index: 0, id: "call_1", name: "search", argumentsJSON: arguments)),
            .finish(reason: "tool_calls"), .done,
        ])
    }

    @Test func twoParallelCallsInterleavedByIndexComeOutInIndexOrder() {
        let payloads = [
            fragment(index: 1, id: "call_b", name: "get_time", arguments: ""),
            fragment(index: 0, id: "call_a", name: "get_weather", arguments: "{\"ci"),
            fragment(index: 1, arguments: "{\"tz\":"),
            fragment(index: 0, arguments: "ty\":\"Paris\"}"),
            fragment(index: 1, arguments: "\"CET\"}"),
            chunk(finishReason: "tool_calls"), "[DONE]",
        ]
        #expect(accumulate(payloads).toolCalls == [
            ToolCall(index: 0, id: "call_a", name: "get_weather", argumentsJSON: #"{"city":"Paris"}"#),
            ToolCall(index: 1, id: "call_b", name: "get_time", argumentsJSON: #"{"tz":"CET"}"#),
        ])
    }

    @Test func callsAreNeverDeliveredBeforeTheFinishReason() {
        var accumulator = ChatStreamAccumulator()
        for payload in [fragment(index: 0, id: "call_1", name: "f", arguments: "{}"), chunk(delta: #"{"content":"thinking aloud"}"#)] {
            #expect(accumulator.receive(data: Array(payload.utf8)).toolCalls.isEmpty)
        }
        let atFinish = accumulator.receive(data: Array(chunk(finishReason: "tool_calls").utf8))
        #expect(atFinish == [.toolCall(ToolCall(index: 0, id: "call_1", name: "f", argumentsJSON: "{}")), .finish(reason: "tool_calls")])
        #expect(accumulator.receive(data: Array("[DONE]".utf8)) == [.done])
    }

    @Test func withoutAFinishReasonCallsAreDeliveredAtDone() {
        let payloads = [fragment(index: 0, id: "call_1", name: "f", arguments: "{\"a\":1}"), "[DONE]"]
        #expect(accumulate(payloads) == [.toolCall(ToolCall(index: 0, id: "call_1", name: "f", argumentsJSON: #"{"a":1}"#)), .done])
    }

    @Test func withoutDoneCallsAreDeliveredAtTheEndOfTheBody() {
        let body = sseBody([fragment(index: 0, id: "call_1", name: "f", arguments: "{}")])
        #expect(decode(body) == [.toolCall(ToolCall(index: 0, id: "call_1", name: "f", argumentsJSON: "{}")), .done])
    }

    @Test func missingIdAndArgumentsGetDefaults() {
        let payloads = [fragment(index: 2, name: "ping", arguments: nil), "[DONE]"]
        #expect(accumulate(payloads).toolCalls == [ToolCall(index: 2, id: "call_2", name: "ping", argumentsJSON: "{}")])
    }

    @Test func repeatedIdAndNameInLaterFragmentsAreNotDuplicated() {
        let payloads = [
            fragment(index: 0, id: "call_1", name: "f", arguments: "{\"a\""),
            fragment(index: 0, id: "call_1", name: "f", arguments: ":1}"),
            "[DONE]",
        ]
        #expect(accumulate(payloads).toolCalls == [ToolCall(index: 0, id: "call_1", name: "f", argumentsJSON: #"{"a":1}"#)])
    }

    @Test func fragmentsWithoutIndexAreAssignedByIdThenToTheLatestCall() {
        let payloads = [
            fragment(index: nil, id: "call_a", name: "f", arguments: "{\"x\":"),
            fragment(index: nil, arguments: "1}"),
            fragment(index: nil, id: "call_b", name: "g", arguments: "{}"),
            "[DONE]",
        ]
        #expect(accumulate(payloads).toolCalls == [
            ToolCall(index: 0, id: "call_a", name: "f", argumentsJSON: #"{"x":1}"#),
            ToolCall(index: 1, id: "call_b", name: "g", argumentsJSON: "{}"),
        ])
    }

    @Test func pendingCallsAreDroppedWhenTheStreamFails() {
        let payloads = [fragment(index: 0, id: "call_1", name: "f", arguments: "{\"a\":"), #"{"error":{"message":"overloaded","type":"overloaded_error"}}"#]
        let events = accumulate(payloads)
        #expect(events.toolCalls.isEmpty)
        #expect(events.terminalError?.code == "overloaded_error")
    }
}
