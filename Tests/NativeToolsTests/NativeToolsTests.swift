import Foundation
import Host
import PluginTestKit
import Testing

/// The native_tools tool source through the real ABI: catalog, current_time, calculator.
@Suite struct NativeToolsTests {
    func harness(_ config: JSONValue = .object([:])) throws -> PluginHarness {
        try PluginHarness(plugin: "NativeTools", component: "native_tools", config: config)
    }

    func call(_ tools: PluginHarness, _ name: String, _ arguments: [String: JSONValue]) async throws -> JSONValue {
        try await tools.call("call_tool", .object(["name": .string(name), "arguments": .object(arguments)]))
    }

    @Test func listOffersBothToolsWithSchemas() async throws {
        let tools = try harness()
        defer { tools.destroy() }
        let list = try await tools.call("list")
        #expect(list["tools"]?.items.compactMap { $0["name"]?.stringValue } == ["current_time", "calculator"])
        #expect(list["tools"]?.items.last?["input_schema"]?["required"] == .array([.string("expression")]))
    }

    @Test func currentTimeReadsTheNamedZone() async throws {
        let tools = try harness()
        defer { tools.destroy() }
        let result = try await call(tools, "current_time", ["timezone": .string("Asia/Kolkata")])
        #expect(result["is_error"] == .bool(false))
        let structured = try #require(result["structured_content"])
        #expect(structured["timezone"] == .string("Asia/Kolkata"))
        #expect(structured["utc_offset"] == .string("+05:30"))
        let datetime = try #require(structured["datetime"]?.stringValue)
        #expect(datetime.hasSuffix("+05:30"))
        #expect(result["tool_message"]?.stringValue?.contains("Asia/Kolkata") == true)
    }

    @Test func currentTimeDefaultsToTheConfiguredZoneAndRejectsUnknownOnes() async throws {
        let tools = try harness(.object(["default_timezone": .string("Europe/Paris")]))
        defer { tools.destroy() }
        let result = try await call(tools, "current_time", [:])
        #expect(result["structured_content"]?["timezone"] == .string("Europe/Paris"))
        let bad = try await call(tools, "current_time", ["timezone": .string("Mars/Olympus")])
        #expect(bad["is_error"] == .bool(true))
        #expect(bad["tool_message"]?.stringValue?.hasPrefix("unknown time zone 'Mars/Olympus'") == true)
        #expect(throws: ComponentError.self) { try PluginHarness(plugin: "NativeTools", component: "native_tools",
                                                                 config: .object(["default_timezone": .string("Nowhere")])) }
    }

    @Test(arguments: [
        ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("2 ^ 3 ^ 2", "512"), ("-2 ^ 2", "-4"), ("2 ^ -1", "0.5"),
        ("-(3 - 5)", "2"), ("7 % 3", "1"), ("-7 % 3", "-1"), ("0.1 + 0.2", "0.3"), (".5 * 4", "2"),
        ("10 / 4", "2.5"), ("--3", "3"), ("+4", "4"), ("1e3", ""), ("2 * 1000000000000000", "2e+15"),
    ])
    func calculatorFollowsPrecedenceAndFormatsResults(expression: String, expected: String) async throws {
        let tools = try harness()
        defer { tools.destroy() }
        let result = try await call(tools, "calculator", ["expression": .string(expression)])
        if expected.isEmpty {
            #expect(result["is_error"] == .bool(true), "\(expression) is not allowed")
        } else {
            #expect(result["is_error"] == .bool(false))
            #expect(result["tool_message"]?.stringValue == expected, "\(expression)")
        }
    }

    @Test(arguments: [
        ("1 / 0", "cannot evaluate: division by zero at position 3"),
        ("5 % (2 - 2)", "cannot evaluate: remainder by zero at position 3"),
        ("2 + ", "cannot evaluate: the expression ends where a number was expected"),
        ("(1 + 2", "cannot evaluate: missing ')' for the '(' at position 1"),
        ("1 + 2)", "cannot evaluate: unmatched ')' at position 6"),
        ("2 (3)", "cannot evaluate: expected an operator at position 3"),
        ("import os", "cannot evaluate: unexpected 'i' at position 1: only numbers, + - * / ^ %, and parentheses are allowed"),
        ("1.2.3", "cannot evaluate: '1.2.3' at position 1 is not a number"),
        ("", "cannot evaluate: the expression is empty"),
        ("10 ^ 400", "cannot evaluate: the result is too large to represent"),
        ("* 3", "cannot evaluate: expected a number at position 1, found '*'"),
    ])
    func calculatorExplainsBadExpressions(expression: String, message: String) async throws {
        let tools = try harness()
        defer { tools.destroy() }
        let result = try await call(tools, "calculator", ["expression": .string(expression)])
        #expect(result["is_error"] == .bool(true))
        #expect(result["tool_message"]?.stringValue == message)
    }

    @Test func hostileExpressionsAreBounded() async throws {
        let tools = try harness()
        defer { tools.destroy() }
        let deep = try await call(tools, "calculator", ["expression": .string(String(repeating: "(", count: 200) + "1" + String(repeating: ")", count: 200))])
        #expect(deep["tool_message"]?.stringValue == "cannot evaluate: the expression nests deeper than 64 levels")
        let long = try await call(tools, "calculator", ["expression": .string(String(repeating: "1+", count: 600) + "1")])
        #expect(long["tool_message"]?.stringValue == "cannot evaluate: the expression is longer than 1000 characters")
        let unary = try await call(tools, "calculator", ["expression": .string(String(repeating: "-", count: 500) + "1")])
        #expect(unary["is_error"] == .bool(true))
    }

    @Test func badRequestsAreRefusedOrReportedAsToolErrors() async throws {
        let tools = try harness()
        defer { tools.destroy() }
        #expect(throws: ComponentError.self) { try tools.instance.start(op: "call_tool", request: #"{"arguments": {}}"#) }
        #expect(throws: ComponentError.self) { try tools.instance.start(op: "get_prompt", request: "{}") }
        let unknown = try await call(tools, "rm_rf", [:])
        #expect(unknown["is_error"] == .bool(true))
        let missing = try await call(tools, "calculator", [:])
        #expect(missing["tool_message"]?.stringValue?.contains("'expression'") == true)
    }
}
