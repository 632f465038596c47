import Foundation
import Host
import PluginTestKit
import Testing

/// Streamable HTTP in both eras: JSON and SSE answers, progress on the stream, prompts and
/// resources, list changes (the modern subscription stream, the legacy GET stream), cancellation.
@Suite struct HTTPTests {
    @Test(arguments: [false, true])
    func everythingWorksOverHTTP(legacy: Bool) async throws {
        let server = try await HTTPServerProcess.start(legacy: legacy)
        defer { server.stop() }
        try await MCPFixture.with([.http("web", server.url)]) { fixture in
            try await fixture.waitUp("web")
            let status = try await fixture.server("web")
            #expect(status["transport"] == .string("http"))
            #expect(status["era"] == .string(legacy ? "legacy" : "modern"))
            #expect(try await fixture.call("echo", ["text": .string("over http")])["tool_message"] == .string("over http"))
            let events = try await fixture.harness.events("call_tool", .object(["name": .string("slow"),
                                                                                "arguments": .object(["seconds": .double(0.3), "steps": .int(3)])]))
            #expect(events.filter { $0.kind == .progress }.count == 3, "progress arrives on the SSE stream")
            #expect(try PluginHarness.result(of: events)["tool_message"] == .string("done after 3 steps"))
            let prompt = try await fixture.harness.call("get_prompt", .object(["name": .string("greet"), "arguments": .object(["name": .string("Ada")])]))
            #expect(prompt["messages"]?.items.first?["content"]?["text"]?.stringValue?.contains("Ada") == true)
            let resource = try await fixture.harness.call("read_resource", .object(["uri": .string("memo://hello")]))
            #expect(resource["contents"]?.items.first?["text"] == .string("Hello from a resource."))
            #expect(try await fixture.call("weather", ["city": .string("Rome")])["structured_content"]?["city"] == .string("Rome"))
            // A list change: the modern subscription stream, or the legacy GET stream.
            _ = try await fixture.call("add_tool", ["name": .string("web_late")])
            try await fixture.waitFor("the new tool") { $0["servers"]?.items.first?["tools"] == .int(13) }
            #expect(try await fixture.call("web_late")["tool_message"] == .string("I am web_late"))
        }
    }

    @Test(arguments: [false, true])
    func cancellingACallStopsItOnTheServer(legacy: Bool) async throws {
        let server = try await HTTPServerProcess.start(legacy: legacy)
        defer { server.stop() }
        try await MCPFixture.with([.http("web", server.url)]) { fixture in
            try await fixture.waitUp("web")
            let marker = fixture.directory + "/marker"
            let request: JSONValue = .object(["name": .string("sleep_forever"), "arguments": .object(["marker": .string(marker)])])
            let operation = try fixture.harness.instance.start(op: "call_tool", request: request.jsonText)
            try await Task.sleep(for: .milliseconds(700))
            fixture.harness.instance.cancel(operation.handle)
            #expect(await operation.events.collect().map(\.kind) == [.cancelled])
            // Modern: closing the response stream is the cancellation; legacy: notifications/cancelled.
            let deadline = Date().addingTimeInterval(15)
            while (try? String(contentsOfFile: marker, encoding: .utf8)) != "cancelled" && Date() < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "cancelled")
        }
    }
}
