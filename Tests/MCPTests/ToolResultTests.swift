import Foundation
import Host
import PluginTestKit
import Testing

/// tools/call results of every content type, structured content and isError, from real servers.
@Suite struct ToolResultTests {
    @Test(arguments: [false, true])
    func everyContentTypeArrivesConverted(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("kinds", legacy: legacy)]) { fixture in
            try await fixture.waitUp("kinds")
            let result = try await fixture.call("contents")
            let items = try #require(result["content"]?.items)
            #expect(items.map { $0["type"]?.stringValue ?? "" } == ["text", "image", "audio", "resource_link", "resource"])
            #expect(items[1]["mime_type"] == .string("image/png"))
            #expect(items[3]["uri"] == .string("memo://hello"))
            #expect(items[4]["text"] == .string("embedded text"))
            let message = try #require(result["tool_message"]?.stringValue)
            #expect(message.hasPrefix("plain text\n[image: image/png, "))
            #expect(message.contains("[resource link: hello memo <memo://hello>] a linked memo"))
            #expect(message.hasSuffix("[resource <memo://embedded>]\nembedded text"))
            #expect(result["is_error"] == .bool(false))
        }
    }

    @Test(arguments: [false, true])
    func structuredContentAndToolErrorsArriveAsResults(legacy: Bool) async throws {
        try await MCPFixture.with([.everything("kinds", legacy: legacy)]) { fixture in
            try await fixture.waitUp("kinds")
            let weather = try await fixture.call("weather", ["city": .string("Oslo")])
            #expect(weather["structured_content"] == .object(["city": .string("Oslo"), "temperature": .double(21.5), "sky": .string("clear")]))
            let failed = try await fixture.call("fail", ["message": .string("the disk is on fire")])
            #expect(failed["is_error"] == .bool(true))
            #expect(failed["tool_message"]?.stringValue?.contains("the disk is on fire") == true)
            let unknown = try await fixture.call("no_such_tool")
            #expect(unknown["is_error"] == .bool(true))
            #expect(unknown["error"]?["code"] == .string("not_found"))
            let badArguments = try await fixture.call("add", ["a": .string("one")])
            #expect(badArguments["is_error"] == .bool(true), "invalid arguments are a tool error, not a failed op")
            #expect(try await fixture.call("add", ["a": .int(2), "b": .int(40)])["tool_message"] == .string("42"))
        }
    }
}
