extension JSONReader {
    /// Reads an integer; `12.0` and `1e3` count as integers. Returns nil (after skipping the value)
    /// for `null`, a value of another type, a fraction, or a number outside `Int`'s range.
    /// - Throws: `JSONSyntaxError` for a malformed number.
    mutating func readInt() throws -> Int? {
        guard try peekKind() == .number else {
            try skipValue()
            return nil
        }
        let number = try scanNumber()
        if let exact = number.exactInteger(in: bytes) { return exact }
        guard let value = number.double(in: bytes), value.rounded() == value,
              value >= -9.2e18, value <= 9.2e18 else { return nil }
        return Int(value)
    }

    /// Reads a number as a `Double`; returns nil (after skipping the value) for `null` or a value
    /// of another type.
    /// - Throws: `JSONSyntaxError` for a malformed number.
    mutating func readDouble() throws -> Double? {
        guard try peekKind() == .number else {
            try skipValue()
            return nil
        }
        let number = try scanNumber()
        if let exact = number.exactInteger(in: bytes) { return Double(exact) }
        return number.double(in: bytes)
    }

    /// The text of one number token, validated against the JSON grammar.
    struct NumberToken {
        let start: Int
        let end: Int
        let isIntegerLiteral: Bool

        /// Integers of up to 18 digits, computed without overflow or allocation.
        func exactInteger(in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
            guard isIntegerLiteral else { return nil }
            let negative = bytes[start] == UInt8(ascii: "-")
            let digits = bytes[(negative ? start + 1 : start)..<end]
            guard digits.count <= 18 else { return nil }
            let magnitude = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            return negative ? -magnitude : magnitude
        }

        func double(in bytes: UnsafeBufferPointer<UInt8>) -> Double? {
            Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        }
    }

    /// Consumes one number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func scanNumber() throws -> NumberToken {
        let start = offset
        var isIntegerLiteral = true
        if peekByte() == UInt8(ascii: "-") { offset += 1 }
        if peekByte() == UInt8(ascii: "0") {
            offset += 1
        } else {
            guard skipDigits() > 0 else { throw error("bad number") }
        }
        if peekByte() == UInt8(ascii: ".") {
            isIntegerLiteral = false
            offset += 1
            guard skipDigits() > 0 else { throw error("bad number") }
        }
        if peekByte() == UInt8(ascii: "e") || peekByte() == UInt8(ascii: "E") {
            isIntegerLiteral = false
            offset += 1
            if peekByte() == UInt8(ascii: "+") || peekByte() == UInt8(ascii: "-") { offset += 1 }
            guard skipDigits() > 0 else { throw error("bad number") }
        }
        return NumberToken(start: start, end: offset, isIntegerLiteral: isIntegerLiteral)
    }

    private func peekByte() -> UInt8? {
        offset < bytes.count ? bytes[offset] : nil
    }

    /// Consumes ASCII digits and returns how many there were.
    private mutating func skipDigits() -> Int {
        let start = offset
        while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) { offset += 1 }
        return offset - start
    }
}
