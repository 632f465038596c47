import Foundation
import Glibc

/// The runtime overrides file (`runtime_overrides:` in plugins.yaml): only the settings changed
/// while the platform runs, deep-merged over plugins.yaml (which the program never writes), plus
/// `_runtime_config: {version, last_modified, base_config}` metadata that the program maintains.
///
/// ```yaml
/// plugins:
///   OpenRouter:
///     config:
///       temperature: 0.2
/// _runtime_config:
///   version: 3
///   last_modified: 1755070820.785
///   base_config: plugins.yaml
/// ```
///
/// A value type: `read` it, change it with `setting`/`removing`, `write` it (atomically).
public struct RuntimeOverrides: Sendable {
    public static let metadataKey = "_runtime_config"

    public let path: String
    /// The overrides without the metadata; an empty mapping when the file is missing.
    public var document: ConfigNode
    public var version: Int
    public var lastModified: Double?
    /// Whether the file exists on disk.
    public var exists: Bool

    /// Reads the file; a missing file is an empty set of overrides (version 0).
    /// - Throws: `ConfigError` at the file's line and column for YAML errors, a non-mapping, or
    ///   keys the overrides file cannot hold (`runtime_overrides`).
    public static func read(path: String) throws(ConfigError) -> RuntimeOverrides {
        let empty = ConfigNode(.mapping([]), at: SourceLocation(file: path, line: 1, column: 1))
        guard FileManager.default.fileExists(atPath: path) else {
            return RuntimeOverrides(path: path, document: empty, version: 0, lastModified: nil, exists: false)
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(empty.location, "cannot read the runtime overrides file: \(HostConfig.reason(error))")
        }
        guard let root = try YAMLParser.parse(text, file: path) else {
            return RuntimeOverrides(path: path, document: empty, version: 0, lastModified: nil, exists: true)
        }
        if case .scalar(let text, true) = root.value, ConfigNode.typedScalar(text) == .null {
            return RuntimeOverrides(path: path, document: empty, version: 0, lastModified: nil, exists: true)
        }
        guard case .mapping(let entries) = root.value else {
            throw ConfigError(root.location, "the runtime overrides file must be a mapping of settings, found \(root.typeName)")
        }
        var overrides = RuntimeOverrides(path: path, document: empty, version: 0, lastModified: nil, exists: true)
        var diagnostics: [ConfigDiagnostic] = []
        var kept: [ConfigNode.Entry] = []
        for entry in entries {
            switch entry.key {
            case metadataKey:
                if case .int(let version)? = entry.value["version"]?.json { overrides.version = Int(version) }
                overrides.lastModified = entry.value["last_modified"].flatMap { node -> Double? in
                    switch node.json { case .int(let n): return Double(n); case .double(let d): return d; default: return nil }
                }
            case "runtime_overrides":
                diagnostics.append(ConfigDiagnostic(entry.keyLocation, "runtime_overrides can only be set in the main configuration file"))
            default:
                kept.append(entry)
            }
        }
        if !diagnostics.isEmpty { throw ConfigError(diagnostics) }
        overrides.document = ConfigNode(.mapping(kept), at: root.location)
        return overrides
    }

    /// The overrides with `value` at `path` (dotted key names).
    public func setting(_ value: ConfigNode, at path: [String], origin: String) throws(ConfigError) -> RuntimeOverrides {
        var copy = self
        copy.document = try document.setting(value, at: path, origin: origin)
        return copy
    }

    /// The overrides without `path`; nil when it was not overridden.
    public func removing(_ path: [String]) -> RuntimeOverrides? {
        guard let document = document.removing(path) else { return nil }
        var copy = self
        copy.document = document
        return copy
    }

    /// The file's text for `version`, stamped now.
    func text(version: Int, baseConfig: String, now: Double) -> String {
        var text = """
            # Runtime overrides, deep-merged over \(baseConfig) (which switchboard never writes).
            # Written by `switchboard config set`, `reset-config` and the host's config ops; edits by hand
            # are picked up too. _runtime_config is maintained by switchboard.

            """
        if case .mapping(let entries) = document.value, !entries.isEmpty { text += YAMLWriter.write(document) }
        text += "\(Self.metadataKey):\n  version: \(version)\n  last_modified: \(JSONValue.double((now * 1000).rounded() / 1000).jsonText)\n"
        text += "  base_config: \(YAMLWriter.inline(ConfigNode(json: .string(baseConfig), at: document.location)))\n"
        return text
    }

    /// Writes the next version atomically (a temporary file beside it, fsync, rename, fsync of
    /// the folder), so a reader sees the old file or the new one, never a part.
    /// - Returns: the version written.
    /// - Throws: `ConfigError` naming the file and the system's reason.
    @discardableResult
    public func write(baseConfig: String, now: Double = Date().timeIntervalSince1970) throws(ConfigError) -> Int {
        let next = version + 1
        try AtomicFile.write(text(version: next, baseConfig: baseConfig, now: now), to: path)
        return next
    }

    /// Removes the file. - Returns: false when there was none.
    public static func remove(path: String) throws(ConfigError) -> Bool {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw ConfigError(SourceLocation(file: path, line: 1, column: 1), "cannot remove the runtime overrides file: \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncDirectory(of: path)
        return true
    }
}

/// Whole-file replacement that never leaves a partly written file behind.
enum AtomicFile {
    static func write(_ text: String, to path: String) throws(ConfigError) {
        let at = SourceLocation(file: path, line: 1, column: 1)
        func failure(_ what: String) -> ConfigError { ConfigError(at, "cannot write the file (\(what)): \(String(cString: strerror(errno)))") }
        let temporary = (path as NSString).deletingLastPathComponent.appendingPathComponentIfNeeded
            + ".\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("create \(temporary)") }
        var bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { let error = failure("write"); close(fd); unlink(temporary); throw error }
            written += count
        }
        guard fsync(fd) == 0 else { let error = failure("fsync"); close(fd); unlink(temporary); throw error }
        close(fd)
        guard rename(temporary, path) == 0 else { let error = failure("rename"); unlink(temporary); throw error }
        syncDirectory(of: path)
    }

    /// Makes a rename or unlink in the file's folder durable.
    static func syncDirectory(of path: String) {
        let directory = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return }
        fsync(directory)
        close(directory)
    }

    /// Runs `body` holding an exclusive advisory lock on the file's folder, so two writers (the CLI
    /// and a running host) never interleave their read-modify-write of the same file.
    static func withDirectoryLock<T>(of path: String, _ body: () throws(ConfigError) -> T) throws(ConfigError) -> T {
        let folder = (path as NSString).deletingLastPathComponent
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 { flock(fd, LOCK_EX) }
        defer { if fd >= 0 { flock(fd, LOCK_UN); close(fd) } }
        return try body()
    }
}

private extension String {
    /// "" stays "" (the current folder); anything else gets a trailing slash.
    var appendingPathComponentIfNeeded: String { isEmpty ? "" : self + "/" }
}
