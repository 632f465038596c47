import Foundation

/// `switchboard check`: validates plugins.yaml and servers_config.json without running plugin code.
/// Every problem prints as `file:line:col: message`; any problem makes the exit status 1.
enum CheckCommand {
    static func run(_ options: CommandLineOptions) -> Int32 {
        let config: HostConfig
        do { config = try HostConfig.load(file: options.configFile, overrides: options.overrides) } catch {
            error.diagnostics.forEach { SwitchboardCommand.printError($0.description) }
            SwitchboardCommand.printError("\(error.diagnostics.count) problem(s) found")
            return 1
        }
        var problems = problems(in: config, environment: ProcessInfo.processInfo.environment)
        var serversSummary = "not present"
        if config.serversConfigIsExplicit || FileManager.default.fileExists(atPath: config.serversConfigPath) {
            do { serversSummary = "ok, \(try ServersConfig.validate(file: config.serversConfigPath).count) server(s)" } catch {
                problems += error.diagnostics
            }
        }
        guard problems.isEmpty else {
            problems.forEach { SwitchboardCommand.printError($0.description) }
            SwitchboardCommand.printError("\(problems.count) problem(s) found")
            return 1
        }
        print("\(config.file): ok, \(config.plugins.filter(\.enabled).count) plugin(s) enabled")
        print("\(config.serversConfigPath): \(serversSummary)")
        return 0
    }

    /// Problems that need the file system or environment: plugin files, `env:` variables, plugin_dir.
    static func problems(in config: HostConfig, environment: [String: String]) -> [ConfigDiagnostic] {
        var problems: [ConfigDiagnostic] = []
        let at = config.document["plugin_dir"]?.location ?? SourceLocation(file: config.file, line: 1, column: 1)
        var isDirectory: ObjCBool = false
        let directoryExists = FileManager.default.fileExists(atPath: config.pluginDirectory, isDirectory: &isDirectory) && isDirectory.boolValue
        if !directoryExists { problems.append(ConfigDiagnostic(at, "plugin_dir \(config.pluginDirectory) does not exist or is not a directory")) }
        for plugin in config.plugins where plugin.enabled {
            do { _ = try EnvironmentResolver(environment: environment).resolve(plugin.config) } catch { problems += error.diagnostics }
            let found = plugin.candidateFiles.contains { FileManager.default.fileExists(atPath: config.pluginDirectory + "/" + $0) }
            if directoryExists && !found {
                problems.append(ConfigDiagnostic(plugin.location, "plugin '\(plugin.name)' is not in plugin_dir \(config.pluginDirectory) (looked for \(plugin.candidateFiles.joined(separator: ", ")))"))
            }
        }
        return problems
    }
}
