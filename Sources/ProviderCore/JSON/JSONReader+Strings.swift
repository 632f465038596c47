extension JSONReader {
    /// Reads a string; returns nil (after skipping the value) for `null` or a value of another type.
    /// Escapes are decoded; a lone surrogate escape (`\uD800`) becomes U+FFFD, and so do invalid
    /// UTF-8 bytes.
    /// - Throws: `JSONSyntaxError` for an unterminated string, a raw control character or a bad escape.
    mutating func readString() throws -> String? {
        guard try peekKind() == .string else {
            try skipValue()
            return nil
        }
        let (start, end, escaped) = try scanString()
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: try unescape(raw), as: UTF8.self)
    }

    /// Reads an object key (validating its escapes); the reader is positioned on its opening quote.
    mutating func readKey() throws -> JSONKey {
        let (start, end, escaped) = try scanString()
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        if escaped { _ = try unescape(raw) }
        return JSONKey(raw: raw, isEscaped: escaped)
    }

    /// The decoded bytes of a string's contents.
    /// - Throws: `JSONSyntaxError` for a bad escape.
    private func unescape(_ raw: UnsafeBufferPointer<UInt8>) throws -> [UInt8] {
        guard let decoded = JSONUnescaper.unescape(raw) else { throw error("bad escape in a string") }
        return decoded
    }

    /// Skips a string, still validating its escapes (strings with escapes are rarely skipped).
    mutating func skipString() throws {
        let (start, end, escaped) = try scanString()
        if escaped { _ = try unescape(UnsafeBufferPointer(rebasing: bytes[start..<end])) }
    }

    /// Reads a string without allocating: a key-like view of its bytes, valid while the reader
    /// lives, to match against literals. Returns nil (after skipping the value) for `null` or a
    /// value of another type.
    mutating func readStringToken() throws -> JSONKey? {
        guard try peekKind() == .string else {
            try skipValue()
            return nil
        }
        return try readKey()
    }

    /// Consumes a string token and returns the range of its contents (between the quotes) and
    /// whether it contains escapes. Escapes are only validated when decoded.
    private mutating func scanString() throws -> (start: Int, end: Int, escaped: Bool) {
        try expect(UInt8(ascii: "\""))
        let start = offset
        var escaped = false
        guard let base = bytes.baseAddress else { throw error("unterminated string") }
        while true {
            // Eight bytes at a time: jump straight to the first one that needs a look.
            if offset + 8 <= bytes.count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + offset).loadUnaligned(as: UInt64.self))
                let special = Self.quoteBackslashOrControlBytes(word)
                if special == 0 {
                    offset += 8
                    continue
                }
                offset += special.trailingZeroBitCount >> 3
            }
            guard offset < bytes.count else { throw error("unterminated string") }
            let byte = base[offset]
            if byte == UInt8(ascii: "\"") {
                offset += 1
                return (start, offset - 1, escaped)
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                offset += 2  // the escaped byte can be a quote; escapes are validated when decoded
                continue
            }
            if byte < 0x20 { throw error("control character in a string") }
            offset += 1  // only in the last seven bytes of the text
        }
    }

    /// Flags (bit 7 of the byte) the bytes of `word` that are `"`, `\` or below 0x20, with the
    /// classic SWAR has-zero-byte and has-less-than tricks. Only the lowest flag is guaranteed
    /// exact, which is the one `scanString` uses (bytes in little-endian order).
    private static func quoteBackslashOrControlBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highBits }
        let quotes = zeroBytes(word ^ (ones &* 0x22))
        let backslashes = zeroBytes(word ^ (ones &* 0x5C))
        let controls = (word &- ones &* 0x20) & ~word & highBits
        return quotes | backslashes | controls
    }
}
