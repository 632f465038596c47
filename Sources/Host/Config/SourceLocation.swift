/// Where a configuration value came from: a file (or `--set` argument), 1-based line and column.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem in a configuration file, printed as `file:line:col: message`.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// Configuration that cannot be used, with every problem found (never just the first).
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(_ diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }
    public init(_ location: SourceLocation, _ message: String) { self.init([ConfigDiagnostic(location, message)]) }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
