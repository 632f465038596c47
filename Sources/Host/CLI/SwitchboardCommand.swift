import Foundation
import PluginABI

/// `switchboard COMMAND [--config FILE] [--set key.path=value]...`
///
/// Exit codes: 0 success, 1 the command failed, 2 bad usage or invalid configuration.
public enum SwitchboardCommand {
    public static let version = "0.1.0"

    public static let usage = """
        usage: switchboard COMMAND [--config FILE] [--set key.path=value]...

        commands:
          run       load plugins.yaml, load the enabled plugins, create the active components,
                    serve until SIGINT or SIGTERM, then shut everything down in reverse order
          plugins   list every .so in plugin_dir with its name, version, ABI, components and status
          check     validate plugins.yaml and servers_config.json; problems print as file:line:col
          ask       [--provider NAME] [--model MODEL] "prompt": one prompt through a provider, streamed
          version   print the host's version, plugin ABI version and Swift toolchain fingerprint
          config    get [KEY] | set KEY VALUE | unset KEY: the runtime overrides file (runtime_overrides
                    in plugins.yaml), validated before it is written; a running host applies changes live
          reset-config  remove the runtime overrides file

        options:
          --config FILE          the configuration file (default ./plugins.yaml)
          --set key.path=value   override one setting for this run (repeatable; value is YAML)
        """

    public static func main(_ words: [String]) async -> Int32 {
        let options: CommandLineOptions
        do { options = try CommandLineOptions(parsing: words) } catch {
            printError("switchboard: \(error.message)\n\n\(usage)")
            return 2
        }
        switch options.command {
        case "run": return await RunCommand.run(options)
        case "plugins": return PluginsCommand.run(options)
        case "check": return CheckCommand.run(options)
        case "ask": return await AskCommand.run(options)
        case "config": return ConfigCommand.run(options)
        case "reset-config": return ConfigCommand.resetConfig(options)
        case "version", "--version":
            print("switchboard \(version)")
            print("plugin ABI \(ABIVersion.host)")
            print("toolchain \(sb_swift_toolchain().map { String(cString: $0) } ?? "unknown")")
            return 0
        case "help", nil:
            print(usage)
            return options.command == nil ? 2 : 0
        case let other?:
            printError("switchboard: unknown command '\(other)'\n\n\(usage)")
            return 2
        }
    }

    /// Loads the configuration or prints every problem and returns nil.
    static func loadConfig(_ options: CommandLineOptions) -> HostConfig? {
        do { return try HostConfig.load(file: options.configFile, overrides: options.overrides) } catch {
            error.diagnostics.forEach { printError($0.description) }
            return nil
        }
    }

    /// Loads the configuration's layers (plugins.yaml, runtime overrides, `--set`) or prints every problem and returns nil.
    static func loadLayers(_ options: CommandLineOptions) -> LayeredConfig? {
        do { return try LayeredConfig.read(file: options.configFile, overrides: options.overrides) } catch {
            error.diagnostics.forEach { printError($0.description) }
            return nil
        }
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
