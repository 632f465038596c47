/// Why an `SSEParser` stopped: the stream broke one of its bounds.
public struct SSEParserError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An extensible set of failure codes; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code as a word, e.g. "event_too_large" (also the provider error's code).
        public let rawValue: String
        /// An event's data, or a single line, grew past `Configuration.maximumEventSize`.
        public static let eventTooLarge = Code(rawValue: "event_too_large")
        /// The raw value.
        public var description: String { rawValue }
    }

    /// What went wrong; match on it.
    public let code: Code
    /// What happened, with the limit that was exceeded.
    public let message: String

    /// `code: message`, for logs.
    public var description: String { "\(code): \(message)" }
}
