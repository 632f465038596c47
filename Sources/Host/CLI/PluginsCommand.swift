import Foundation

/// `switchboard plugins`: every .so in plugin_dir, loaded and described, or the exact error.
enum PluginsCommand {
    static func run(_ options: CommandLineOptions) -> Int32 {
        guard let config = SwitchboardCommand.loadConfig(options) else { return 2 }
        let directory = config.pluginDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            SwitchboardCommand.printError("switchboard: plugin_dir \(directory) does not exist or cannot be read")
            return 1
        }
        let services = HostServices(logger: Logger(level: .warn))
        var rows: [[String]] = []
        for file in names.filter({ $0.hasSuffix(".so") }).sorted() {
            let configured = config.plugins.first { $0.candidateFiles.contains(file) }
            let setting = configured.map { $0.enabled ? ($0.required ? "required" : "enabled") : "disabled" } ?? "not configured"
            switch PluginLoader.load(path: directory + "/" + file, services: services) {
            case .success(let plugin):
                let components = plugin.components.map { "\($0.name) (\($0.kind))" }.joined(separator: ", ")
                rows.append([file, plugin.name, plugin.version, plugin.abiVersion, components.isEmpty ? "-" : components, setting, "ok"])
            case .failure(let error):
                rows.append([file, "-", "-", "-", "-", setting, "error: \(error.reason)"])
            }
        }
        print("plugin_dir: \(directory)")
        print(rows.isEmpty ? "(no .so files)" : TextTable.render(
            headers: ["FILE", "NAME", "VERSION", "ABI", "COMPONENTS", "CONFIG", "STATUS"], rows: rows))
        return 0
    }
}
