import Host
@testable import MCPClient
import Testing

/// Names given to the model, and the merged listing, without servers.
@Suite struct CatalogTests {
    func tools(_ names: String...) -> ServerCatalog {
        ServerCatalog(tools: names.map { .object(["name": .string($0), "description": .string("d"), "inputSchema": .object(["type": .string("object")])]) })
    }

    @Test func uniqueNamesAreKeptAndSharedOnesArePrefixedOnEveryServer() {
        let names = ToolNaming.assign([Route(server: "git", name: "status"), Route(server: "svn", name: "status"),
                                       Route(server: "git", name: "log"), Route(server: "time", name: "now")])
        #expect(names[Route(server: "git", name: "status")] == "git_status")
        #expect(names[Route(server: "svn", name: "status")] == "svn_status")
        #expect(names[Route(server: "git", name: "log")] == "log")
        #expect(names[Route(server: "time", name: "now")] == "now")
    }

    @Test(arguments: [("get.time", "get_time"), ("9lives", "tool_9lives"), ("über tool", "_ber_tool"), ("", "tool"),
                      ("-dash", "tool_-dash"), ("a/b:c", "a_b_c")])
    func namesAreSanitizedForEveryProvider(raw: String, expected: String) {
        #expect(ToolNaming.sanitize(raw) == expected)
    }

    @Test func everyNameMatchesTheStrictestProviderRule() {
        let long = String(repeating: "very_long_name_", count: 10)
        let routes = [Route(server: "a", name: long), Route(server: "b", name: long), Route(server: "a", name: "x.y"),
                      Route(server: "a", name: "x_y"), Route(server: "weird server!", name: "é")]
        let names = ToolNaming.assign(routes)
        #expect(Set(names.values).count == routes.count, "all distinct: \(names)")
        for name in names.values {
            #expect(name.count <= 64)
            #expect(name.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_-]*/) != nil, "\(name)")
        }
        #expect(names[Route(server: "a", name: "x.y")] != names[Route(server: "a", name: "x_y")])
        #expect(ToolNaming.assign(routes.reversed()) == names, "independent of order")
    }

    @Test func downServersKeepTheirNamesReservedButAreNotListed() {
        let catalog = MergedCatalog(known: ["a": tools("search", "fetch"), "b": tools("search")], up: ["a"])
        #expect(catalog.tools.compactMap { $0["name"]?.stringValue }.sorted() == ["a_search", "fetch"])
        #expect(catalog.toolRoutes["a_search"] == Route(server: "a", name: "search"))
        #expect(catalog.toolRoutes["b_search"] == nil, "b is down: nothing routes to it")
        #expect(catalog.downRoutes["b_search"] == Route(server: "b", name: "search"), "but a call learns that b is down")
        let tool = catalog.tools.first { $0["name"]?.stringValue == "fetch" }
        #expect(tool?["server"] == .string("a"))
        #expect(tool?["original_name"] == .string("fetch"))
        #expect(tool?["input_schema"] == .object(["type": .string("object")]))
    }

    @Test func promptsAndResourcesAreMergedWithTheirServers() {
        let a = ServerCatalog(prompts: [.object(["name": .string("greet"), "arguments": .array([.object(["name": .string("who"), "required": .bool(true)])])])],
                              resources: [.object(["uri": .string("memo://1"), "name": .string("one"), "mimeType": .string("text/plain")])])
        let catalog = MergedCatalog(known: ["a": a, "b": ServerCatalog(resources: [.object(["uri": .string("memo://1")])])], up: ["a", "b"])
        #expect(catalog.prompts.first?["arguments"] == .array([.object(["name": .string("who"), "description": .string(""), "required": .bool(true)])]))
        #expect(catalog.resourceServers["memo://1"] == ["a", "b"])
        #expect(catalog.resources.first?["mime_type"] == .string("text/plain"))
        #expect(catalog.listing["resources"]?.elements?.count == 2)
    }
}
