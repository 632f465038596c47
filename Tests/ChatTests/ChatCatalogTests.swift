import Foundation
import PluginABI
import Testing
@testable import Host

/// Prompts, resources and MCP tools in chat: the MCP SDK's test server behind the mcp tool source.
@Suite(.serialized) struct ChatCatalogTests {
    static var everything: [String: JSONValue] {
        let python = ChatRig.repositoryRoot + "/.venv-mcp/bin/python"
        return ["demo": .object(["command": .string(python),
                                 "args": .array([.string(ChatRig.repositoryRoot + "/Tests/MCPTests/Servers/everything_server.py"), .string("--name"), .string("demo")])])]
    }

    /// Starts the rig and waits (bounded) until the MCP server's tools are listed.
    static func rig(model: String = "mock/echo", _ settings: ChatSettings = ChatSettings()) async throws -> ChatRig {
        let python = ChatRig.repositoryRoot + "/.venv-mcp/bin/python"
        try #require(FileManager.default.isExecutableFile(atPath: python), "run `make test` (or `make venvs`) once to create the MCP test virtualenvs")
        let rig = try await ChatRig.start(settings, model: model, mcpServers: everything)
        for _ in 0..<400 {
            let catalog = try await rig.submit("list_catalog", .object(["owner": .string("alice")])).terminal().doneData
            if catalog?["prompts"]?.arrayValue?.isEmpty == false { return rig }
            try await Task.sleep(for: .milliseconds(50))
        }
        rig.stop()
        throw ComponentError(status: -1, message: "the MCP server never listed its prompts")
    }

    @Test func theCatalogOffersMCPPromptsAndResourcesWithTheirSource() async throws {
        let rig = try await Self.rig()
        defer { rig.stop() }
        let catalog = try #require(try await rig.submit("list_catalog", .object(["owner": .string("alice")])).terminal().doneData)
        let greet = catalog["prompts"]?.arrayValue?.first { $0["name"] == .string("greet") }
        #expect(greet?["source"] == .string("mcp"))
        #expect(catalog["resources"]?.arrayValue?.contains { $0["uri"] == .string("memo://hello") } == true)
        #expect(catalog["tools"]?.arrayValue?.contains { $0["name"] == .string("add") && $0["source"] == .string("mcp") } == true)

        let resource = try #require(try await rig.submit("read_resource", .object(["owner": .string("alice"), "uri": .string("memo://hello")])).terminal().doneData)
        #expect(resource["contents"]?.arrayValue?.first?["text"] == .string("Hello from a resource."))
        let missing = try await rig.submit("read_resource", .object(["owner": .string("alice"), "uri": .string("memo://nope")])).terminal()
        #expect(missing.ending?.kind == .error)
    }

    @Test func applyingAPromptOpensTheConversationAndTheModelSeesIt() async throws {
        let rig = try await Self.rig()
        defer { rig.stop() }
        let applied = try #require(try await rig.submit("apply_prompt", .object([
            "owner": .string("alice"), "name": .string("review"), "arguments": .object(["code": .string("x = 1")])])).terminal().doneData)
        let conversation = try #require(applied["conversation_id"]?.stringValue)
        #expect(applied["messages"]?.arrayValue?.map { $0["role"]?.stringValue } == ["user", "assistant"])
        let events = try await rig.chat("go on", conversation: conversation).terminal()
        #expect(events.text.hasPrefix("echo: go on messages=4"))  // system, the prompt's two messages, this one
        let stored = try await rig.stored(conversation)
        #expect(stored.first?["content"]?.stringValue?.hasPrefix("Review this python code:") == true)

        let unknown = try await rig.submit("apply_prompt", .object(["owner": .string("alice"), "name": .string("nope")])).terminal()
        #expect(unknown.ending?.name == "not_found")
    }

    @Test func theModelCallsAnMCPToolInTheLoop() async throws {
        let rig = try await Self.rig(model: #"mock/agent?tool=add&args={"a":20,"b":22}"#)
        defer { rig.stop() }
        let events = try await rig.chat("add them").terminal()
        #expect(events.ending?.kind == .done)
        #expect(events.text == "result: 42")
        #expect(events.toolStatuses.map(\.text) == ["executing", "completed"])
    }

    @Test func contextPromptsAndResourcesOpenEveryContext() async throws {
        var settings = ChatSettings()
        settings.systemPrompt = "S"
        settings.contextPrompts = [.init(name: "greet", arguments: ["name": "Ada"])]
        settings.contextResources = ["memo://hello"]
        let rig = try await Self.rig(settings)
        defer { rig.stop() }
        _ = try await rig.chat("hi").terminal()
        let messages = try await rig.mock.requests().last?["body"]?["messages"]?.arrayValue ?? []
        #expect(messages.compactMap { $0["content"]?.stringValue } == ["S", "Please greet Ada warmly.", "Resource memo://hello:\nHello from a resource.", "hi"])
    }

    @Test func cancellingDuringAToolCallStopsItWithin100ms() async throws {
        let rig = try await Self.rig(model: #"mock/agent?tool=sleep_forever&args={"marker":"m"}"#)
        defer { rig.stop() }
        let watch = try rig.chat("wait", id: "c")
        _ = await watch.wait { $0.contains { $0.kind == .toolStatus } }
        let cancelledAt = ContinuousClock.now
        let cancel = try rig.submit("cancel", .object(["owner": .string("alice"), "request_id": .string("c")]))
        let events = await watch.terminal(seconds: 5)
        #expect(ContinuousClock.now - cancelledAt < .milliseconds(100))
        #expect(events.ending?.kind == .cancelled)
        #expect(await cancel.terminal().ending?.kind == .done)
        let gone = try await rig.submit("cancel", .object(["owner": .string("alice"), "request_id": .string("c")])).terminal()
        #expect(gone.ending?.name == "not_found")
    }

    @Test func operatorsSeeEachServerAndCanRestartOne() async throws {
        let rig = try await Self.rig()
        defer { rig.stop() }
        func demo() async throws -> JSONValue? {
            let servers = try await rig.submit("servers", .object(["owner": .string("admin")])).terminal().doneData
            return servers?["sources"]?["mcp"]?["servers"]?.arrayValue?.first { $0["name"] == .string("demo") }
        }
        let before = try #require(try await demo())
        #expect(before["state"] == .string("up"))
        let restarted = try await rig.submit("restart_server", .object(["owner": .string("admin"), "server": .string("demo")])).terminal()
        #expect(restarted.doneData?["restarted"] == .string("demo"))
        var after: JSONValue?
        for _ in 0..<600 {  // bounded: 30 s for a Python SDK server to start on a loaded machine
            after = try await demo()
            if after?["state"] == .string("up"), after?["pid"] != before["pid"] { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(after?["state"] == .string("up") && after?["pid"] != before["pid"], "after the restart: \(String(describing: after))")
        let unknown = try await rig.submit("restart_server", .object(["owner": .string("admin"), "server": .string("nope")])).terminal()
        #expect(unknown.ending?.name == "not_found")
    }
}
