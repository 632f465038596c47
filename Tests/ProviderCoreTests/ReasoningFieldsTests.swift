import Testing
@testable import ProviderCore

/// Reasoning comes in whichever field the provider uses, and is never reported twice.
@Suite struct ReasoningFieldsTests {
    @Test(arguments: [
        #"{"reasoning":"step"}"#,  // OpenRouter, Groq
        #"{"reasoning_content":"step"}"#,  // DeepSeek, vLLM
        #"{"thinking":"step"}"#,
        #"{"reasoning_details":[{"type":"reasoning.text","text":"step","format":"unknown","index":0}]}"#,
        #"{"reasoning_details":[{"type":"reasoning.summary","summary":"step"}]}"#,
        #"{"reasoning_details":[{"type":"reasoning.encrypted","data":"gAAAA..."},{"type":"reasoning.text","text":"step"}]}"#,
    ])
    func eachReasoningFieldGivesAReasoningDelta(delta: String) {
        #expect(accumulate([chunk(delta: delta), "[DONE]"]) == [.reasoningDelta("step"), .done])
    }

    @Test(arguments: [
        #"{"reasoning":"once","reasoning_details":[{"type":"reasoning.text","text":"once"}]}"#,
        #"{"reasoning_details":[{"type":"reasoning.text","text":"once"}],"reasoning":"once"}"#,
        #"{"reasoning_content":"once","reasoning":"once","thinking":"once"}"#,
        #"{"reasoning":"","reasoning_content":null,"reasoning_details":[{"type":"reasoning.text","text":"once"}]}"#,
    ])
    func theSameReasoningInSeveralFieldsIsReportedOnce(delta: String) {
        #expect(accumulate([chunk(delta: delta), "[DONE]"]) == [.reasoningDelta("once"), .done])
    }

    @Test func encryptedReasoningAloneProducesNothing() {
        let delta = #"{"reasoning":null,"reasoning_details":[{"type":"reasoning.encrypted","data":"gAAAA"}]}"#
        #expect(accumulate([chunk(delta: delta), "[DONE]"]) == [.done])
    }

    @Test func reasoningComesBeforeTextFromTheSameChunk() {
        let delta = #"{"content":"answer","reasoning_content":"thought"}"#
        #expect(accumulate([chunk(delta: delta), "[DONE]"]) == [.reasoningDelta("thought"), .textDelta("answer"), .done])
    }
}
