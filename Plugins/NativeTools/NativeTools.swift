import Foundation
import JSONSupport
import PluginABI
import PluginKit

/// The `native_tools` tool source: tools that run inside the host process, with no subprocess
/// and no MCP. Every call finishes inside `start()`.
///
/// Config block: `{"default_timezone": "UTC"}` (the zone `current_time` uses when the model
/// names none). Results use the tool-source result shape of docs/PLUGINS.md:
/// `{"content": [{"type": "text", "text"}], "is_error", "tool_message", "structured_content"?}`.
/// Threading: `start` may run on any thread at once; the instance holds no mutable state.
final class NativeTools: ComponentImplementation {
    let defaultTimeZone: String

    static let catalog: JSONValue = .object(["tools": .array([
        ToolJSON.tool("current_time", "The current date and time in a time zone, with the day of the week and the UTC offset",
             properties: ["timezone": .object(["type": .string("string"),
                                               "description": .string("IANA time zone name, such as Europe/Paris or America/New_York (default: UTC)")])],
             required: []),
        ToolJSON.tool("calculator", "Evaluates an arithmetic expression exactly as written: numbers with decimals, + - * / ^ (power), % (remainder), parentheses, unary minus",
             properties: ["expression": .object(["type": .string("string"), "description": .string("for example (2 + 3) * 4 ^ 2 / -0.5")])],
             required: ["expression"]),
    ])])

    init(context: CreateContext) throws(PluginError) {
        guard let root = try? JSONValue.parse(context.configJSON), case .object(let block) = root else {
            throw .invalid("the config block must be a JSON object")
        }
        switch block["default_timezone"] {
        case nil, .null?: defaultTimeZone = "UTC"
        case .string(let name)? where TimeZone(identifier: name) != nil: defaultTimeZone = name
        default: throw .invalid("default_timezone must be an IANA time zone name such as \"UTC\" or \"Europe/Paris\"")
        }
    }

    func describe() -> String? { #"{"state":"up"}"# }

    func start(_ operation: PluginKit.Operation) throws(PluginError) {
        switch operation.op {
        case "list":
            operation.succeed(result: Self.catalog.jsonText)
        case "call_tool":
            guard let request = try? JSONValue.parse(operation.request), case .string(let name)? = request["name"] else {
                throw .invalid("call_tool needs {\"name\": \"...\", \"arguments\": {...}}")
            }
            let arguments: [String: JSONValue]
            switch request["arguments"] {
            case nil, .null?: arguments = [:]
            case .object(let object)?: arguments = object
            default: throw .invalid("call_tool: \"arguments\" must be an object")
            }
            operation.succeed(result: call(name, arguments).jsonText)
        default:
            throw .unsupported("native_tools supports the ops \"list\" and \"call_tool\"")
        }
    }

    /// Runs one tool; every failure is a result with `is_error`, fed back to the model.
    func call(_ name: String, _ arguments: [String: JSONValue]) -> JSONValue {
        switch name {
        case "current_time":
            let zone: String
            switch arguments["timezone"] {
            case nil, .null?: zone = defaultTimeZone
            case .string(let text)?: zone = text.isEmpty ? defaultTimeZone : text
            default: return ToolJSON.result("argument 'timezone' must be a string such as \"Europe/Paris\"", isError: true)
            }
            do throws(CurrentTime.Failure) {
                let reading = try CurrentTime.reading(zoneName: zone)
                return ToolJSON.result(reading.text, structured: reading.structured)
            } catch {
                return ToolJSON.result(error.message, isError: true)
            }
        case "calculator":
            guard case .string(let expression)? = arguments["expression"] else {
                return ToolJSON.result("argument 'expression' (a string such as \"2 * (3 + 4)\") is required", isError: true)
            }
            do throws(Calculator.Failure) {
                let value = try Calculator.evaluate(expression)
                let text = Calculator.format(value)
                return ToolJSON.result(text, structured: .object(["expression": .string(expression), "result": .double(value), "text": .string(text)]))
            } catch {
                return ToolJSON.result("cannot evaluate: \(error.message)", isError: true)
            }
        default:
            return ToolJSON.result("unknown tool '\(name.prefix(100))' (native_tools has current_time and calculator)", isError: true)
        }
    }
}
