import Foundation
import Host
import PluginTestKit
import Testing

/// Lists that come in pages: every page is fetched, in order, and nothing is lost or repeated.
@Suite struct PaginationTests {
    @Test func everyPageOfToolsPromptsAndResourcesIsListed() async throws {
        try await MCPFixture.with([.everything("paged", ["--page-size", "5"])]) { fixture in
            try await fixture.waitUp("paged")
            let listing = try await fixture.list()
            let tools = listing["tools"]?.items.compactMap { $0["name"]?.stringValue } ?? []
            #expect(tools.count == 32, "12 tools and 20 generated, in 7 pages of 5")
            #expect(Set(tools).count == tools.count)
            #expect(tools.last == "gen_tool_19")
            #expect(listing["prompts"]?.items.count == 14)
            #expect(listing["resources"]?.items.count == 17)
            let server = try await fixture.server("paged")
            #expect(server["tools"] == .int(32))
            #expect(try await fixture.call("gen_tool_19")["tool_message"] == .string("generated 19"))
        }
    }
}
