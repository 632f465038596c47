import Foundation
import PluginABI
import PluginKit
import Synchronization

// ExampleSwift: a Switchboard plugin written in Swift with PluginKit, proving the ABI is
// language-neutral. One tool-source component, "example_tools":
//   op "list"       -> DONE {"tools": [{"name", "description", "input_schema"}]}
//   op "call_tool"  {"name": ..., "arguments": {...}} -> DONE {"content": [{"type": "text", "text": ...}], "is_error": Bool}
// Config block: {"max_input_chars": N} (default 10000) bounds the text a tool accepts.

@c @implementation
public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                            _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
    PluginExport.entry(name: "ExampleSwift", version: "1.0.0", summary: "example plugin in Swift: two text tools",
                       components: [Component(kind: .toolSource, name: "example_tools", summary: "reverse_text and word_count",
                                              make: { context throws(PluginError) in try ExampleTools(context: context) })],
                       host: host, descriptor: out, err: err, errCapacity: errCapacity)
}

final class ExampleTools: ComponentImplementation {
    private struct Settings { var maxInputChars = 10_000 }
    private let settings: Mutex<Settings>

    static let catalog = #"{"tools":[{"name":"reverse_text","description":"Reverses a text","input_schema":{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}},{"name":"word_count","description":"Counts the words in a text","input_schema":{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}}]}"#

    init(context: CreateContext) throws(PluginError) {
        settings = Mutex(try Self.parse(context.configJSON))
        context.log(SB_LOG_DEBUG, "example_tools ready")
    }

    private static func parse(_ json: String) throws(PluginError) -> Settings {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw .invalid("the config block must be a JSON object")
        }
        var settings = Settings()
        if let value = object["max_input_chars"] {
            guard let number = value as? Int, number > 0 else { throw .invalid("max_input_chars must be a positive whole number") }
            settings.maxInputChars = number
        }
        return settings
    }

    func reconfigure(configJSON: String) throws(PluginError) {
        let parsed = try Self.parse(configJSON)
        settings.withLock { $0 = parsed }
    }

    func describe() -> String? { #"{"state":"up"}"# }

    func start(_ operation: PluginKit.Operation) throws(PluginError) {
        switch operation.op {
        case "list":
            operation.succeed(result: Self.catalog)
        case "call_tool":
            guard let request = try? JSONSerialization.jsonObject(with: Data(operation.request.utf8)) as? [String: Any],
                  let name = request["name"] as? String else {
                throw .invalid("call_tool needs {\"name\": ..., \"arguments\": {...}}")
            }
            let arguments = request["arguments"] as? [String: Any] ?? [:]
            operation.succeed(result: result(of: name, arguments: arguments))
        default:
            throw .unsupported("example_tools supports the ops \"list\" and \"call_tool\"")
        }
    }

    /// A tool's result in the host's tool-result shape; tool failures are results with is_error.
    private func result(of tool: String, arguments: [String: Any]) -> String {
        let limit = settings.withLock { $0.maxInputChars }
        func reply(_ text: String, isError: Bool = false) -> String {
            let body: [String: Any] = ["content": [["type": "text", "text": text]], "is_error": isError]
            return (try? JSONSerialization.data(withJSONObject: body)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        guard tool == "reverse_text" || tool == "word_count" else { return reply("unknown tool '\(tool)'", isError: true) }
        guard let text = arguments["text"] as? String else { return reply("argument 'text' (a string) is required", isError: true) }
        guard text.count <= limit else { return reply("text is longer than max_input_chars (\(limit))", isError: true) }
        return tool == "reverse_text" ? reply(String(text.reversed())) : reply(String(text.split(whereSeparator: \.isWhitespace).count))
    }
}
