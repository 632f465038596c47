/// Splits a byte stream into newline-terminated lines (stdio framing), with a bound on the
/// length of one line so a misbehaving server cannot make the client buffer without limit.
///
/// A line longer than `maxLineBytes` is discarded up to its newline and reported once as
/// `.tooLong`; the lines after it are read normally. A `\r` before the newline is dropped.
/// Not thread-safe: one reader thread owns it.
public struct LineBuffer {
    public enum Item: Equatable {
        case line([UInt8])
        /// A line that exceeded the limit was dropped; `bytes` is how much of it was seen.
        case tooLong(bytes: Int)
    }

    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var discarding = false
    private var discarded = 0

    public init(maxLineBytes: Int) { self.maxLineBytes = max(1, maxLineBytes) }

    /// Feeds a chunk read from the stream; returns the complete lines it finished, in order.
    public mutating func append(_ chunk: UnsafeRawBufferPointer) -> [Item] {
        var items: [Item] = []
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                take(bytes[start...], into: &items)
                break
            }
            take(bytes[start..<newline], into: &items)
            finishLine(into: &items)
            start = newline + 1
        }
        return items
    }

    /// Bytes of an unfinished line (for diagnostics when the stream ends).
    public var unfinishedCount: Int { discarding ? discarded : pending.count }

    private mutating func take(_ part: Slice<UnsafeBufferPointer<UInt8>>, into items: inout [Item]) {
        if discarding {
            discarded += part.count
            return
        }
        if pending.count + part.count > maxLineBytes {
            discarding = true
            discarded = pending.count + part.count
            pending = []
            return
        }
        pending.append(contentsOf: part)
    }

    private mutating func finishLine(into items: inout [Item]) {
        if discarding {
            items.append(.tooLong(bytes: discarded))
            discarding = false
            discarded = 0
            return
        }
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        if !pending.isEmpty { items.append(.line(pending)) }
        pending.removeAll(keepingCapacity: pending.count <= 65_536)
    }
}
