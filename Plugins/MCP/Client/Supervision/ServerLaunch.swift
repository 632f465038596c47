import Foundation

/// How one server is reached: the transport for its definition.
enum ServerLaunch {
    /// The minimal environment every stdio server gets, from the host's: PATH, HOME and LANG
    /// (never anything else: the host's secrets stay in the host).
    static let baseKeys = ["PATH", "HOME", "LANG"]
    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// The server's environment: the base from `host`, then exactly what the config gives.
    static func environment(host: [String: String], configured: [String: String]) -> [String: String] {
        var environment = ["PATH": host["PATH"] ?? defaultPath, "LANG": host["LANG"] ?? "C.UTF-8"]
        if let home = host["HOME"] { environment["HOME"] = home }
        return environment.merging(configured) { $1 }
    }

    /// Builds the transport for `definition`.
    /// - Throws: `MCPError` (`.spawnFailed`) when a stdio command is not found.
    static func transport(for definition: ServerDefinition, settings: ClientSettings,
                          hostEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws(MCPError) -> (any MCPTransport, SessionMachine.Channel) {
        switch definition.endpoint {
        case .http(let url, let headers):
            return (HTTPTransport(url: url, headers: headers, maxMessageBytes: settings.maxMessageBytes,
                                  connectTimeout: settings.connectionTimeout), .http)
        case .stdio(let command, let args, let cwd, let env):
            let environment = environment(host: hostEnvironment, configured: env)
            if let cwd {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: cwd, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw MCPError(.spawnFailed, "the working directory \(cwd) does not exist")
                }
            }
            let searchPath = environment["PATH"] ?? defaultPath
            guard let executable = ChildProcess.resolve(command: command, searchPath: searchPath, directory: cwd) else {
                let place = command.contains("/") ? "at that path" : "on PATH (\(searchPath))"
                throw MCPError(.spawnFailed, "command '\(command)' not found or not executable \(place)")
            }
            let launch = StdioTransport.Launch(executable: executable, arguments: args, environment: environment, directory: cwd)
            return (StdioTransport(launch: launch, maxMessageBytes: settings.maxMessageBytes, grace: settings.shutdownGrace), .stdio)
        }
    }
}
