/// An object key (or a string token) as read by `JSONReader`: a slice of the text itself, never
/// a copy. Match it against literals in a `switch`: `case "content":`. A key spelled with escapes
/// (`"\u0063ontent"`) is decoded for the comparison, which then allocates; providers never do that.
///
/// - Important: A key borrows the reader's bytes; use it only while the reader is alive.
struct JSONKey {
    private let raw: UnsafeBufferPointer<UInt8>
    private let isEscaped: Bool

    init(raw: UnsafeBufferPointer<UInt8>, isEscaped: Bool) {
        self.raw = raw
        self.isEscaped = isEscaped
    }

    /// Pattern matching against a key literal, without creating a `String`.
    @inline(__always)
    static func ~= (pattern: StaticString, key: JSONKey) -> Bool {
        key.isEscaped ? matchEscaped(pattern, key) : key.raw.equals(pattern)
    }

    /// Keys spelled with escapes are decoded for the comparison.
    @inline(never)
    private static func matchEscaped(_ pattern: StaticString, _ key: JSONKey) -> Bool {
        guard let decoded = JSONUnescaper.unescape(key.raw) else { return false }
        return decoded.withUnsafeBufferPointer { $0.equals(pattern) }
    }
}
