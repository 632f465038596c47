import JSONSupport

/// JSON writers that append straight into a frame, with no intermediate strings: the hot path
/// (a streamed text delta) is one escaped copy of the provider's bytes.
extension FrameBuffer {
    /// Appends bytes as they are (JSON punctuation and keys known to need no escaping).
    public mutating func appendRaw(_ text: StaticString) {
        storage.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func appendRaw(_ bytes: [UInt8]) { storage.append(contentsOf: bytes) }

    public mutating func appendRaw(_ bytes: UnsafeRawBufferPointer) { storage.append(contentsOf: bytes) }

    /// Appends a decimal integer.
    public mutating func appendInt(_ value: Int64) {
        // String(Int64) fits the small-string form (no heap allocation).
        storage.append(contentsOf: String(value).utf8)
    }

    /// Appends `"..."`: the bytes as a JSON string, escaped; invalid UTF-8 becomes U+FFFD so the
    /// frame is always valid UTF-8 (a client must close a connection that sends anything else).
    public mutating func appendString(_ bytes: UnsafeRawBufferPointer) {
        storage.append(UInt8(ascii: "\""))
        JSONBytes.appendEscaped(bytes, to: &storage)
        storage.append(UInt8(ascii: "\""))
    }

    public mutating func appendString(_ text: String) {
        var text = text
        text.withUTF8 { appendString(UnsafeRawBufferPointer($0)) }
    }

    /// Appends a JSON value (compact, keys sorted).
    public mutating func appendJSON(_ value: JSONValue) {
        storage.append(contentsOf: value.jsonText.utf8)
    }
}

/// Byte-level JSON string escaping with UTF-8 validation. Pure.
public enum JSONBytes {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
    private static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Appends `bytes` escaped for the inside of a JSON string. Runs of plain characters are
    /// copied in one go; `"`, `\` and control characters are escaped; ill-formed UTF-8 sequences
    /// are replaced byte by byte with U+FFFD.
    public static func appendEscaped(_ bytes: UnsafeRawBufferPointer, to output: inout [UInt8]) {
        let count = bytes.count
        var index = 0
        var runStart = 0
        @inline(__always) func flush(_ end: Int) {
            if end > runStart { output.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<end])) }
        }
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte < 0x80 && byte != 0x22 && byte != 0x5C {
                index += 1
                continue
            }
            if byte >= 0x80 {
                let length = validSequenceLength(bytes, at: index)
                if length > 0 {
                    index += length
                    continue
                }
                flush(index)
                output.append(contentsOf: replacement)
                index += 1
                runStart = index
                continue
            }
            flush(index)
            switch byte {
            case 0x22: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case 0x5C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            default:
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
            }
            index += 1
            runStart = index
        }
        flush(count)
    }

    /// The length of the well-formed UTF-8 sequence starting at `index` (RFC 3629, table 3-7 of
    /// the Unicode standard), or 0 when it is ill-formed or cut off.
    static func validSequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let lead = bytes[index]
        let remaining = bytes.count - index
        @inline(__always) func continuation(_ offset: Int, _ low: UInt8 = 0x80, _ high: UInt8 = 0xBF) -> Bool {
            offset < remaining && bytes[index + offset] >= low && bytes[index + offset] <= high
        }
        switch lead {
        case 0xC2...0xDF:
            return continuation(1) ? 2 : 0
        case 0xE0:
            return continuation(1, 0xA0) && continuation(2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF:
            return continuation(1) && continuation(2) ? 3 : 0
        case 0xED:
            return continuation(1, 0x80, 0x9F) && continuation(2) ? 3 : 0
        case 0xF0:
            return continuation(1, 0x90) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF1...0xF3:
            return continuation(1) && continuation(2) && continuation(3) ? 4 : 0
        case 0xF4:
            return continuation(1, 0x80, 0x8F) && continuation(2) && continuation(3) ? 4 : 0
        default:
            return 0
        }
    }

    /// True when `bytes` is well-formed UTF-8.
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index < bytes.count {
            if bytes[index] < 0x80 { index += 1; continue }
            let length = validSequenceLength(bytes, at: index)
            if length == 0 { return false }
            index += length
        }
        return true
    }
}
