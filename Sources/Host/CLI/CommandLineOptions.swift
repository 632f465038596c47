/// The words after `switchboard`: a command, `--config FILE`, any number of `--set key=value`,
/// and the command's own arguments.
public struct CommandLineOptions: Sendable {
    public var command: String?
    public var configFile = "plugins.yaml"
    public var overrides: [ConfigOverride] = []
    public var arguments: [String] = []

    public struct UsageError: Error, Sendable { public let message: String }

    public init(parsing words: [String]) throws(UsageError) {
        var remaining = words[...]
        while let word = remaining.popFirst() {
            switch word {
            case "--":  // everything after is an argument, e.g. `config set KEY -- -0.5`
                if command == nil, let first = remaining.popFirst() { command = first }
                arguments += remaining
                remaining = []
            case "--config", "-c":
                guard let file = remaining.popFirst() else { throw UsageError(message: "\(word) needs a file name") }
                configFile = file
            case "--set":
                guard let assignment = remaining.popFirst() else { throw UsageError(message: "--set needs key.path=value") }
                do { overrides.append(try ConfigOverride(parsing: assignment)) } catch {
                    throw UsageError(message: error.description)
                }
            case _ where word.hasPrefix("--config="):
                configFile = String(word.dropFirst("--config=".count))
            case _ where word.hasPrefix("--set="):
                do { overrides.append(try ConfigOverride(parsing: String(word.dropFirst("--set=".count)))) } catch {
                    throw UsageError(message: error.description)
                }
            case "--version":
                command = "version"
            case "--help", "-h":
                command = "help"
            case "--provider" where command == "ask", "--model" where command == "ask":  // ask's own options, with values
                arguments.append(word)
                if let value = remaining.popFirst() { arguments.append(value) }
            case _ where command == "config" && arguments.first == "set" && arguments.count == 2:  // VALUE may start with '-'
                arguments.append(word)
            case _ where word.hasPrefix("-") && word.count > 1:
                throw UsageError(message: "unknown option \(word)")
            default:
                if command == nil { command = word } else { arguments.append(word) }
            }
        }
    }
}
