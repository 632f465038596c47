import Foundation
import Host
import PluginTestKit
import Testing

/// Prompts and resources through the plugin's get_prompt and read_resource ops, in both eras.
@Suite struct PromptsAndResourcesTests {
    @Test(arguments: [false, true])
    func promptsAreListedAndRendered(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("docs", legacy: legacy)]) { fixture in
            try await fixture.waitUp("docs")
            let prompts = try #require(try await fixture.list()["prompts"]?.items)
            #expect(prompts.compactMap { $0["name"]?.stringValue }.sorted() == ["greet", "review"])
            let review = try #require(prompts.first { $0["name"]?.stringValue == "review" })
            #expect(review["arguments"]?.items.map { $0["name"]?.stringValue ?? "" } == ["code", "language"])
            #expect(review["arguments"]?.items.first?["required"] == .bool(true))
            let rendered = try await fixture.harness.call("get_prompt", .object(["name": .string("review"), "arguments": .object(["code": .string("x = 1")])]))
            let messages = try #require(rendered["messages"]?.items)
            #expect(messages.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant"])
            #expect(messages.first?["content"]?["text"]?.stringValue?.contains("x = 1") == true)
            #expect(rendered["server"] == .string("docs"))
            // A prompt the server does not have, and a missing argument: ERROR events with the server's message.
            let unknown = await #expect(throws: PluginHarness.Failure.self) { try await fixture.harness.call("get_prompt", .object(["name": .string("nope")])) }
            #expect(unknown?.code == "not_found")
            let missing = await #expect(throws: PluginHarness.Failure.self) { try await fixture.harness.call("get_prompt", .object(["name": .string("greet")])) }
            #expect(missing?.code == "server_error")
        }
    }

    @Test(arguments: [false, true])
    func resourcesAreListedAndReadAsTextOrBlob(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("docs", legacy: legacy)]) { fixture in
            try await fixture.waitUp("docs")
            let resources = try #require(try await fixture.list()["resources"]?.items)
            #expect(resources.compactMap { $0["uri"]?.stringValue }.sorted() == ["memo://hello", "memo://logo"])
            #expect(resources.first { $0["uri"]?.stringValue == "memo://hello" }?["mime_type"] == .string("text/plain"))
            let text = try await fixture.harness.call("read_resource", .object(["uri": .string("memo://hello")]))
            #expect(text["contents"]?.items.first?["text"] == .string("Hello from a resource."))
            let blob = try await fixture.harness.call("read_resource", .object(["uri": .string("memo://logo"), "server": .string("docs")]))
            #expect(blob["contents"]?.items.first?["mime_type"] == .string("image/png"))
            #expect(Data(base64Encoded: blob["contents"]?.items.first?["blob"]?.stringValue ?? "")?.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
            let missing = await #expect(throws: PluginHarness.Failure.self) {
                try await fixture.harness.call("read_resource", .object(["uri": .string("memo://nothing"), "server": .string("docs")]))
            }
            if legacy {  // mcp<2 answers with error code 0: a server error, its message kept
                #expect(missing?.code == "server_error")
                #expect(missing?.message.contains("Unknown resource: memo://nothing") == true)
            } else {  // -32602, the 2026-07-28 not-found code: SB_ERR_NOT_FOUND
                #expect(missing?.status == -5, "\(missing?.description ?? "")")
            }
            #expect(throws: ComponentError.self) { try fixture.harness.instance.start(op: "read_resource", request: #"{"uri": 5}"#) }
        }
    }
}
