/// A failure of the WebSocket transport itself (not of a client request): a bad config block,
/// a port that cannot be bound, a second serve. Equality compares the code only.
public struct WebSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String { case invalidConfig, listenFailed, alreadyServing, unsupported }
        private let value: Value

        public static let invalidConfig = Code(value: .invalidConfig)
        public static let listenFailed = Code(value: .listenFailed)
        public static let alreadyServing = Code(value: .alreadyServing)
        public static let unsupported = Code(value: .unsupported)

        public var description: String { value.rawValue }
    }

    public let code: Code
    public let message: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        (self.code, self.message, self.file, self.line) = (code, message, file, line)
    }

    public static func invalidConfig(_ message: String, file: String = #fileID, line: Int = #line) -> WebSocketError {
        WebSocketError(.invalidConfig, message, file: file, line: line)
    }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: WebSocketError, rhs: WebSocketError) -> Bool { lhs.code == rhs.code }
}
