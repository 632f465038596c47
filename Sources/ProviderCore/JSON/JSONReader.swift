#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only, pull-style reader over one JSON text (RFC 8259), for decoding provider chunks
/// without building a document: callers ask for the keys they know and skip everything else.
///
/// Why not Foundation: `JSONDecoder` and `JSONSerialization` cost 10–12 µs for a typical 300-byte
/// chat chunk on Linux (see `Benchmarks/ProviderCoreBench`), twice the per-chunk budget; this
/// reader decodes the same chunk in well under 1 µs because it allocates only the strings it returns.
///
/// Usage: `try JSONReader.read(bytes) { reader in try reader.beginObject(); while let key = try reader.nextKey() { ... } }`.
/// Typing is lenient where it helps forward compatibility: `readString()`, `readInt()` and friends
/// return `nil` for `null` or for a value of another type (which they skip). Syntax is strict:
/// any malformed input throws `JSONSyntaxError`, never traps.
///
/// - Important: The reader borrows the bytes it reads; it lives only inside `read(_:_:)`.
///   Not thread-safe; one reader per text.
struct JSONReader {
    /// Deeper nesting is rejected, so hostile input cannot exhaust the stack when skipped.
    static let maximumDepth = 64

    let bytes: UnsafeBufferPointer<UInt8>
    var offset = 0
    private var depth = 0
    /// True right after `beginObject`/`beginArray`: the next member needs no comma.
    private var atFirstItem = false

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Reads one JSON text with `body`, then checks that only whitespace follows it.
    /// - Throws: `JSONSyntaxError` for malformed JSON or trailing garbage, or what `body` throws.
    static func read<T>(_ bytes: UnsafeRawBufferPointer, _ body: (inout JSONReader) throws -> T) throws -> T {
        var reader = JSONReader(UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                                                    count: bytes.count))
        let value = try body(&reader)
        reader.skipWhitespace()
        guard reader.offset == reader.bytes.count else { throw reader.error("unexpected data after the JSON value") }
        return value
    }

    /// Reads one JSON text from an array of bytes; see `read(_:_:)`.
    static func read<T>(_ bytes: [UInt8], _ body: (inout JSONReader) throws -> T) throws -> T {
        try bytes.withUnsafeBytes { try read($0, body) }
    }

    /// The kind of the next value, after skipping whitespace.
    enum Kind { case object, array, string, number, bool, null }

    /// Returns the kind of the next value without consuming it.
    /// - Throws: `JSONSyntaxError` at the end of input or on a byte that cannot start a value.
    mutating func peekKind() throws -> Kind {
        skipWhitespace()
        guard offset < bytes.count else { throw error("unexpected end of input") }
        let byte = bytes[offset]
        // Strings and numbers first: most values in a chunk are one or the other.
        if byte == UInt8(ascii: "\"") { return .string }
        if byte &- UInt8(ascii: "0") < 10 { return .number }
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"): return .number
        default: throw error("unexpected character")
        }
    }

    /// Consumes `{`; then call `nextKey()` until it returns nil.
    mutating func beginObject() throws {
        try enter(UInt8(ascii: "{"))
    }

    /// Returns the next member's key (and consumes the `:` after it), or nil after consuming `}`.
    /// The caller must then read or skip the member's value.
    mutating func nextKey() throws -> JSONKey? {
        guard try continueContainer(closing: UInt8(ascii: "}")) else { return nil }
        guard offset < bytes.count, bytes[offset] == UInt8(ascii: "\"") else { throw error("expected a key") }
        let key = try readKey()
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Consumes `[`; then call `nextElement()` until it returns false.
    mutating func beginArray() throws {
        try enter(UInt8(ascii: "["))
    }

    /// Returns true when another element follows (the caller reads or skips it), false after consuming `]`.
    mutating func nextElement() throws -> Bool {
        try continueContainer(closing: UInt8(ascii: "]"))
    }

    /// Skips one value of any kind, validating its syntax.
    mutating func skipValue() throws {
        switch try peekKind() {
        case .object:
            try beginObject()
            while try nextKey() != nil { try skipValue() }
        case .array:
            try beginArray()
            while try nextElement() { try skipValue() }
        case .string: try skipString()
        case .number: _ = try scanNumber()
        case .bool: _ = try readBool()
        case .null: try expectLiteral("null")
        }
    }

    /// Reads `true` or `false`; returns nil (after skipping the value) for anything else.
    mutating func readBool() throws -> Bool? {
        switch try peekKind() {
        case .bool where bytes[offset] == UInt8(ascii: "t"):
            try expectLiteral("true")
            return true
        case .bool:
            try expectLiteral("false")
            return false
        default:
            try skipValue()
            return nil
        }
    }

    /// Consumes `null` if it comes next and returns true; otherwise consumes nothing.
    mutating func consumeNull() throws -> Bool {
        guard try peekKind() == .null else { return false }
        try expectLiteral("null")
        return true
    }

    /// Reads an object, calling `member` once per key; `member` must read or skip the value.
    /// - Returns: false (after skipping the value) when the value is null or not an object.
    @discardableResult
    mutating func readObject(_ member: (inout JSONReader, JSONKey) throws -> Void) throws -> Bool {
        guard try peekKind() == .object else {
            try skipValue()
            return false
        }
        try beginObject()
        while let key = try nextKey() { try member(&self, key) }
        return true
    }

    /// Reads an array, calling `element` once per element; `element` must read or skip it.
    /// - Returns: false (after skipping the value) when the value is null or not an array.
    @discardableResult
    mutating func readArray(_ element: (inout JSONReader) throws -> Void) throws -> Bool {
        guard try peekKind() == .array else {
            try skipValue()
            return false
        }
        try beginArray()
        while try nextElement() { try element(&self) }
        return true
    }

    /// Reads any value and returns its JSON text unchanged (used for arguments sent as an object).
    mutating func readRawJSON() throws -> String {
        skipWhitespace()
        let start = offset
        try skipValue()
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
    }

    // MARK: helpers shared by the extensions

    mutating func skipWhitespace() {
        if offset < bytes.count, bytes[offset] > 0x20 { return }  // the usual case: compact JSON
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws {
        guard offset < bytes.count, bytes[offset] == byte else { throw missing(byte) }
        offset += 1
    }

    /// Kept out of line so the hot path of `expect` stays small.
    @inline(never)
    private func missing(_ byte: UInt8) -> JSONSyntaxError {
        error("expected '\(Character(Unicode.Scalar(byte)))'")
    }

    func error(_ reason: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset, reason: reason)
    }

    private mutating func enter(_ opening: UInt8) throws {
        skipWhitespace()
        try expect(opening)
        guard depth < Self.maximumDepth else { throw error("nesting deeper than \(Self.maximumDepth) levels") }
        depth += 1
        atFirstItem = true
    }

    /// Shared by objects and arrays: consumes the closing byte (false) or the comma before the next
    /// item (true). A trailing comma (`[1,]`) fails later, when the caller reads the missing item.
    private mutating func continueContainer(closing: UInt8) throws -> Bool {
        skipWhitespace()
        if offset < bytes.count, bytes[offset] == closing {
            offset += 1
            depth -= 1
            atFirstItem = false
            return false
        }
        if atFirstItem {
            atFirstItem = false
        } else {
            try expect(UInt8(ascii: ","))
            skipWhitespace()
        }
        return true
    }

    private mutating func expectLiteral(_ literal: StaticString) throws {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - offset >= count, let base = bytes.baseAddress else { throw error("unexpected end of input") }
        guard memcmp(base + offset, literal.utf8Start, count) == 0 else { throw error("invalid literal") }
        offset += count
    }
}

/// Malformed JSON: where (a byte offset into the text) and what was wrong.
struct JSONSyntaxError: Error, Equatable, CustomStringConvertible {
    let offset: Int
    let reason: String
    var description: String { "\(reason) at byte \(offset)" }
}
