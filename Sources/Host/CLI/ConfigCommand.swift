import Foundation

/// `switchboard config get [KEY]`, `config set KEY VALUE`, `config unset KEY` and `reset-config`:
/// the runtime overrides file from the command line. A running host sees each change within a
/// second (hot reload) and applies it, or logs what needs a restart.
///
/// Exit status: 0 done, 1 the change was refused (nothing written) or KEY is not set, 2 usage.
enum ConfigCommand {
    static let usage = """
        usage: switchboard config get [KEY]        the effective value (secrets redacted; env:NAME as written)
               switchboard config set KEY VALUE    VALUE is YAML; the whole configuration is validated first
               switchboard config unset KEY        drop one runtime override (plugins.yaml's value applies again)
               switchboard reset-config            remove the runtime overrides file
        """

    static func run(_ options: CommandLineOptions) -> Int32 {
        let editor = RuntimeConfigEditor(configFile: options.configFile, overrides: options.overrides)
        switch (options.arguments.first, options.arguments.count) {
        case ("get", 1): return get(nil, editor)
        case ("get", 2): return get(options.arguments[1], editor)
        case ("set", 3): return set(options.arguments[1], options.arguments[2], editor)
        case ("unset", 2): return unset(options.arguments[1], editor)
        case (let sub?, _) where ["get", "set", "unset"].contains(sub):
            return usageError("config \(sub) takes \(sub == "set" ? "KEY VALUE" : sub == "get" ? "at most one KEY" : "one KEY")")
        case (let sub?, _): return usageError("unknown config command '\(sub)'")
        case (nil, _): return usageError("config needs get, set or unset")
        }
    }

    static func resetConfig(_ options: CommandLineOptions) -> Int32 {
        guard options.arguments.isEmpty else { return usageError("reset-config takes no arguments") }
        do {
            let (path, removed) = try RuntimeConfigEditor(configFile: options.configFile, overrides: options.overrides).reset()
            print(removed ? "removed \(path): plugins.yaml applies unchanged" : "no runtime overrides (\(path) does not exist)")
            return 0
        } catch { return fail(error) }
    }

    private static func get(_ key: String?, _ editor: RuntimeConfigEditor) -> Int32 {
        let config: HostConfig
        do { config = try editor.read().config } catch { return fail(error, exit: 2) }
        guard let key else {
            print(YAMLWriter.write(ConfigNode(json: ConfigRedaction.redact(config.effectiveDocument), at: config.document.location)), terminator: "")
            return 0
        }
        guard let value = config.effectiveDocument.value(atPath: key) else {
            SwitchboardCommand.printError("switchboard: \(key) is not set in \(config.file)\(config.runtimeOverridesPath.map { " or \($0)" } ?? "")")
            return 1
        }
        print(render(ConfigRedaction.redact(value, key: key.split(separator: ".").last.map(String.init))))
        return 0
    }

    private static func set(_ key: String, _ valueText: String, _ editor: RuntimeConfigEditor) -> Int32 {
        do {
            let before = try? editor.read().config
            let change = try editor.set(key, yaml: valueText)
            let shown = change.value.map { render(ConfigRedaction.redact($0, key: key.split(separator: ".").last.map(String.init))) } ?? "null"
            print("\(key) = \(shown) (\(change.path), version \(change.version))")
            if let before { report(ConfigurationDiff(before, change.config)) }
            return 0
        } catch { return fail(error) }
    }

    private static func unset(_ key: String, _ editor: RuntimeConfigEditor) -> Int32 {
        do {
            let before = try? editor.read().config
            guard let change = try editor.unset(key) else {
                SwitchboardCommand.printError("switchboard: \(key) is not overridden (nothing to unset)")
                return 1
            }
            print("\(key) is no longer overridden (\(change.path), version \(change.version))")
            if let before { report(ConfigurationDiff(before, change.config)) }
            return 0
        } catch { return fail(error) }
    }

    private static func report(_ diff: ConfigurationDiff) {
        if !diff.restartNeeded.isEmpty { print("needs a restart: " + diff.restartNeeded.joined(separator: "; ")) }
    }

    /// Strings as they are; everything else as JSON.
    static func render(_ value: JSONValue) -> String {
        if case .string(let text) = value { return text }
        return value.jsonText
    }

    private static func fail(_ error: ConfigError, exit status: Int32 = 1) -> Int32 {
        error.diagnostics.forEach { SwitchboardCommand.printError($0.description) }
        SwitchboardCommand.printError("switchboard: nothing was changed")
        return status
    }

    private static func usageError(_ message: String) -> Int32 {
        SwitchboardCommand.printError("switchboard: \(message)\n\n\(usage)")
        return 2
    }
}
