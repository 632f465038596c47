import Host
@testable import MCPClient
import Testing

/// MCP results in the host's shapes: the structured result for clients and the model's text.
@Suite struct ContentConverterTests {
    @Test func everyContentTypeBecomesAnItemAndALineForTheModel() throws {
        let result: JSONValue = .object(["content": .array([
            .object(["type": .string("text"), "text": .string("hello")]),
            .object(["type": .string("image"), "data": .string(String(repeating: "A", count: 2800)), "mimeType": .string("image/png"),
                     "annotations": .object(["audience": .array([.string("user")])])]),
            .object(["type": .string("audio"), "data": .string("AAAA"), "mimeType": .string("audio/wav")]),
            .object(["type": .string("resource_link"), "uri": .string("file:///a.txt"), "name": .string("a.txt"), "description": .string("notes")]),
            .object(["type": .string("resource"), "resource": .object(["uri": .string("memo://x"), "mimeType": .string("text/plain"), "text": .string("inside")])]),
            .object(["type": .string("resource"), "resource": .object(["uri": .string("memo://b"), "blob": .string("AAAA"), "mimeType": .string("application/zip")])]),
            .object(["type": .string("hologram")]),
        ]), "isError": .bool(false)])
        let converted = ContentConverter.toolResult(result, server: "s", tool: "t")
        let items = try #require(converted["content"]?.elements)
        #expect(items.map { $0["type"]?.stringValue ?? "" } == ["text", "image", "audio", "resource_link", "resource", "resource", "hologram"])
        #expect(items[1]["mime_type"] == .string("image/png"))
        #expect(items[1]["annotations"] != nil)
        #expect(items[4]["text"] == .string("inside"))
        #expect(items[5]["blob"] == .string("AAAA"))
        #expect(items[6]["raw"] != nil)
        #expect(converted["tool_message"]?.stringValue == """
            hello
            [image: image/png, 2.1 KB]
            [audio: audio/wav, 3 bytes]
            [resource link: a.txt <file:///a.txt>] notes
            [resource <memo://x>]
            inside
            [resource <memo://b>: application/zip, 3 bytes]
            [unsupported content: hologram]
            """)
        #expect(converted["is_error"] == .bool(false))
        #expect(converted["structured_content"] == nil)
    }

    @Test func structuredContentAndIsErrorAreKept() {
        let structured: JSONValue = .object(["celsius": .double(21.5)])
        let withText = ContentConverter.toolResult(.object(["content": .array([.object(["type": .string("text"), "text": .string("21.5")])]),
                                                            "structuredContent": structured, "isError": .bool(true)]), server: "s", tool: "t")
        #expect(withText["structured_content"] == structured)
        #expect(withText["is_error"] == .bool(true))
        #expect(withText["tool_message"] == .string("21.5"))
        let structuredOnly = ContentConverter.toolResult(.object(["structuredContent": structured]), server: "s", tool: "t")
        #expect(structuredOnly["tool_message"] == .string(#"{"celsius":21.5}"#), "the model still sees the data")
    }

    @Test func clientFailuresAreToolErrorsWithACode() {
        let failure = ContentConverter.toolError(MCPError(.timeout, "tools/call 'x' got no answer within 5 s"), server: "s", tool: "x")
        #expect(failure["is_error"] == .bool(true))
        #expect(failure["error"]?["code"] == .string("timeout"))
        #expect(failure["tool_message"] == .string("tools/call 'x' got no answer within 5 s"))
    }

    @Test func promptsAndResourcesConvert() {
        let prompt = ContentConverter.promptResult(.object(["description": .string("d"), "messages": .array([
            .object(["role": .string("user"), "content": .object(["type": .string("text"), "text": .string("hi")])])])]), server: "s", prompt: "p")
        #expect(prompt["messages"]?.elements?.first == .object(["role": .string("user"), "content": .object(["type": .string("text"), "text": .string("hi")])]))
        let resource = ContentConverter.resourceResult(.object(["contents": .array([
            .object(["uri": .string("memo://a"), "mimeType": .string("text/plain"), "text": .string("t")])])]), server: "s")
        #expect(resource["contents"]?.elements?.first == .object(["uri": .string("memo://a"), "mime_type": .string("text/plain"), "text": .string("t")]))
    }
}
