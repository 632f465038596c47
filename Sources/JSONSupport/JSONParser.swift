/// A strict JSON (RFC 8259) parser straight into `JSONValue`, about 20 times faster than
/// `JSONDecoder` on small documents (which matters per message: see BENCHMARKS.md, issue 5).
///
/// Numbers keep `JSONDecoder`'s mapping: a value that is integral and fits in Int64 is `.int`
/// (so `1`, `1.0` and `1e2` are ints), anything else `.double`. Nesting is limited to
/// `maxDepth` so hostile input cannot exhaust the stack. Invalid UTF-8 inside strings is
/// repaired (U+FFFD). Pure; not thread-shared (one parser per call).
struct JSONParser {
    static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0
    private var depth = 0

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value()
        parser.skipSpace()
        guard parser.at == bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func failure(_ message: String) -> JSONParseError { JSONParseError(message: message, offset: at) }

    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x0A, 0x0D, 0x09: at += 1
            default: return
            }
        }
    }

    private mutating func value() throws(JSONParseError) -> JSONValue {
        guard at < bytes.count else { throw failure("the text ends where a value was expected") }
        switch bytes[at] {
        case UInt8(ascii: "{"): return try nested { (parser: inout JSONParser) throws(JSONParseError) in try parser.object() }
        case UInt8(ascii: "["): return try nested { (parser: inout JSONParser) throws(JSONParseError) in try parser.array() }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("unexpected character where a value was expected")
        }
    }

    private mutating func nested(_ body: (inout JSONParser) throws(JSONParseError) -> JSONValue) throws(JSONParseError) -> JSONValue {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw failure("the JSON nests deeper than \(Self.maxDepth) levels") }
        return try body(&self)
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count else { throw failure("unexpected end of text") }
        for index in 0..<count where bytes[at + index] != word.utf8Start[index] { throw failure("invalid literal") }
        at += count
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        at += 1
        var members: [String: JSONValue] = Dictionary(minimumCapacity: 8)  // most objects have a few members: fewer regrowths
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
        while true {
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw failure("an object key must be a string") }
            let key = try string()
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw failure("expected ':' after an object key") }
            at += 1
            skipSpace()
            let item = try value()
            // One hash per member; a repeated key keeps its first value, as JSONDecoder does.
            if let first = members.updateValue(item, forKey: key) { members[key] = first }
            skipSpace()
            guard at < bytes.count else { throw failure("the text ends inside an object") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            guard bytes[at] == UInt8(ascii: "}") else { throw failure("expected ',' or '}' in an object") }
            at += 1
            return .object(members)
        }
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        at += 1
        var items: [JSONValue] = []
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value())
            skipSpace()
            guard at < bytes.count else { throw failure("the text ends inside an array") }
            if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
            guard bytes[at] == UInt8(ascii: "]") else { throw failure("expected ',' or ']' in an array") }
            at += 1
            return .array(items)
        }
    }

    private mutating func string() throws(JSONParseError) -> String {
        at += 1
        let start = at
        // Fast path: no escapes.
        while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\") {
            guard bytes[at] >= 0x20 else { throw failure("a control character inside a string must be escaped") }
            at += 1
        }
        guard at < bytes.count else { throw failure("the text ends inside a string") }
        if bytes[at] == UInt8(ascii: "\"") {
            defer { at += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        }
        var utf8 = Array(bytes[start..<at])
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return String(decoding: utf8, as: UTF8.self)
            }
            guard byte >= 0x20 else { throw failure("a control character inside a string must be escaped") }
            guard byte == UInt8(ascii: "\\") else { utf8.append(byte); at += 1; continue }
            at += 1
            guard at < bytes.count else { break }
            let escape = bytes[at]
            at += 1
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"): utf8.append(contentsOf: try unicodeEscape())
            default: throw failure("invalid escape sequence in a string")
            }
        }
        throw failure("the text ends inside a string")
    }

    /// After `\u`: four hex digits, and a second `\uXXXX` for a surrogate pair. Lone surrogates become U+FFFD.
    private mutating func unicodeEscape() throws(JSONParseError) -> [UInt8] {
        let first = try hex4()
        var scalar = Unicode.Scalar(first)
        if (0xD800...0xDBFF).contains(first), at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") {
            let mark = at
            at += 2
            let second = try hex4()
            if (0xDC00...0xDFFF).contains(second) {
                scalar = Unicode.Scalar(0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00))
            } else {
                at = mark  // not a pair: the second escape is read on its own
            }
        }
        return Array(String(Character(scalar ?? "\u{FFFD}")).utf8)
    }

    private mutating func hex4() throws(JSONParseError) -> UInt16 {
        guard at + 4 <= bytes.count else { throw failure("a \\u escape needs four hex digits") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[at]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hex digits")
            }
            value = value << 4 | UInt16(digit)
            at += 1
        }
        return value
    }

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = at
        var integral = true
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard at < bytes.count, isDigit(bytes[at]) else { throw failure("a number needs digits") }
        if bytes[at] == UInt8(ascii: "0") { at += 1 } else { while at < bytes.count, isDigit(bytes[at]) { at += 1 } }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            integral = false
            at += 1
            guard at < bytes.count, isDigit(bytes[at]) else { throw failure("a number needs digits after '.'") }
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            integral = false
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard at < bytes.count, isDigit(bytes[at]) else { throw failure("a number needs digits in its exponent") }
            while at < bytes.count, isDigit(bytes[at]) { at += 1 }
        }
        if integral, let value = Self.integer(UnsafeBufferPointer(rebasing: bytes[start..<at])) { return .int(value) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        guard let double = Double(text) else { throw failure("invalid number") }
        if double == double.rounded(), abs(double) < 9.2e18 { return .int(Int64(double)) }  // 1.0, 1e2: ints, as JSONDecoder reads them
        return .double(double)
    }

    /// An integer's digits (and sign) read in place, without a String; nil when it does not fit in Int64.
    private static func integer(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        let negative = text.first == UInt8(ascii: "-")
        var value: Int64 = 0  // accumulated negatively, so Int64.min fits
        for byte in text.dropFirst(negative ? 1 : 0) {
            let (times10, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) = times10.subtractingReportingOverflow(Int64(byte &- UInt8(ascii: "0")))
            guard !overflowed, !overflowedAgain else { return nil }
            value = next
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// Why text is not JSON, and where (a byte offset).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) (at byte \(offset))" }
}
