import PluginABI

/// A failed call into a component (or a refused host request): an `sb_status` and a message.
public struct ComponentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int32
    public var message: String

    public init(status: Int32, message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(message) (\(StatusName.of(status)))" }
}

/// A fixed buffer for the `(char *err, size_t err_cap)` convention of the ABI.
struct ErrorBuffer {
    static let capacity = 1024

    /// Calls `body` with an empty buffer and returns its status plus whatever message it wrote.
    static func call(_ body: (UnsafeMutablePointer<CChar>, Int) -> sb_status) -> (status: sb_status, message: String) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
            buffer[0] = 0
            let status = body(buffer.baseAddress!, capacity)
            buffer[capacity - 1] = 0  // never trust the plugin to terminate it
            return (status, String(cString: buffer.baseAddress!))
        }
    }
}
