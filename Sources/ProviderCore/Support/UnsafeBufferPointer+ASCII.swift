extension UnsafeBufferPointer<UInt8> {
    /// Whether these bytes are exactly `literal`'s UTF-8, compared in place (no `String`, no
    /// call): the hot comparison of SSE field names and JSON keys.
    @inline(__always)
    func equals(_ literal: StaticString) -> Bool {
        guard literal.hasPointerRepresentation else {
            return literal.withUTF8Buffer { elementsEqual($0) }
        }
        let count = literal.utf8CodeUnitCount
        guard self.count == count, let base = baseAddress else { return self.count == count }
        let bytes = literal.utf8Start
        for index in 0..<count where base[index] != bytes[index] { return false }
        return true
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes without leading and trailing spaces, tabs, CRs and LFs.
    func trimmingASCIIWhitespace() -> UnsafeRawBufferPointer {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        var start = 0
        var end = count
        while start < end, isSpace(self[start]) { start += 1 }
        while end > start, isSpace(self[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: self[start..<end])
    }
}
