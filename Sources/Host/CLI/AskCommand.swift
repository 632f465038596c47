import Foundation

/// `switchboard ask [--provider NAME] [--model MODEL] "prompt"`: one prompt through a provider,
/// the reply printed as it streams (reasoning on standard error, marked), usage at the end.
/// Exits 1 with the provider's error on failure. Useful to check a key or a model.
enum AskCommand {
    static func run(_ options: CommandLineOptions) async -> Int32 {
        var provider: String?, model: String?, words: [String] = []
        var arguments = options.arguments[...]
        while let word = arguments.popFirst() {
            switch word {
            case "--provider", "--model":
                guard let value = arguments.popFirst() else {
                    SwitchboardCommand.printError("switchboard: \(word) needs a value")
                    return 2
                }
                if word == "--provider" { provider = value } else { model = value }
            default: words.append(word)
            }
        }
        let prompt = words.joined(separator: " ")
        guard !prompt.isEmpty else {
            SwitchboardCommand.printError("switchboard: ask needs a prompt, e.g. switchboard ask \"Say hello\"")
            return 2
        }
        guard let config = SwitchboardCommand.loadConfig(options) else { return 2 }
        guard let name = provider ?? config.active.provider else {
            SwitchboardCommand.printError("switchboard: no provider: pass --provider NAME or set active.provider in \(config.file)")
            return 2
        }
        let services = HostServices(logger: Logger(level: max(config.logLevel, .warn)), configuration: config.document.json)
        let registry = Registry(config: config, services: services)
        defer { registry.shutdown() }
        let instance: ComponentInstance
        do throws(RegistryError) {
            try registry.loadPlugins()
            instance = try registry.createComponent(named: name, kind: .provider)
        } catch {
            SwitchboardCommand.printError("switchboard: \(error.message)")
            return 1
        }
        var request: [String: JSONValue] = ["messages": .array([.object(["role": .string("user"), "content": .string(prompt)])]), "stream": .bool(true)]
        if let model { request["model"] = .string(model) }
        let operation: ComponentOperation
        do { operation = try instance.start(op: "chat", request: JSONValue.object(request).jsonText) } catch {
            SwitchboardCommand.printError("switchboard: \(name): \(error.message)")
            return 1
        }
        var inReasoning = false
        for await event in operation.events {
            switch event.kind {
            case .textDelta:
                if inReasoning { FileHandle.standardError.write(Data("\n".utf8)); inReasoning = false }
                FileHandle.standardOutput.write(Data(event.text.utf8))
            case .reasoningDelta:
                if !inReasoning { FileHandle.standardError.write(Data("[reasoning] ".utf8)); inReasoning = true }
                FileHandle.standardError.write(Data(event.text.utf8))
            case .toolCall:
                FileHandle.standardError.write(Data("\n[tool call] \(event.name)(\(event.data))\n".utf8))
            case .usage:
                FileHandle.standardOutput.write(Data("\n".utf8))
                FileHandle.standardError.write(Data("[usage] \(describeUsage(event.data))\n".utf8))
            case .error:
                let details = (try? JSONValue.parse(event.data)) ?? .null
                let status = details["http_status"].map { " (HTTP \($0.jsonText))" } ?? ""
                SwitchboardCommand.printError("\nswitchboard: \(name) error \(event.name)\(status): \(event.text)")
                return 1
            case .cancelled:
                SwitchboardCommand.printError("\nswitchboard: cancelled")
                return 1
            default: break
            }
        }
        return 0
    }

    static func describeUsage(_ json: String) -> String {
        guard let usage = try? JSONValue.parse(json) else { return json }
        var parts = ["prompt", "completion", "total", "cached"].compactMap { key -> String? in
            usage["\(key)_tokens"].map { "\(key) \($0.jsonText)" }
        }
        if let cost = usage["cost"] { parts.append("cost $\(cost.jsonText)") }
        return parts.joined(separator: ", ")
    }
}
