/// Writes JSON text member by member, without building a `JSONValue` first: for answers made
/// of many records (a conversation's messages), where the dictionaries alone cost more than
/// the text. Members come out in the order written; a caller that must match `jsonText` byte for
/// byte writes its keys sorted by their UTF-8 bytes. Values are escaped and formatted as
/// `JSONWriter` does.
public struct JSONTextWriter {
    private var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// A member's key; its value follows (a scalar, a `JSONValue`, or an object or array begun next).
    public mutating func key(_ name: String) {
        separate()
        JSONWriter.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ text: String) { separate(); JSONWriter.appendString(text, to: &bytes); needsComma = true }
    public mutating func int(_ number: Int64) { separate(); JSONWriter.appendInteger(number, to: &bytes); needsComma = true }
    public mutating func value(_ value: JSONValue) { separate(); JSONWriter.append(value, to: &bytes); needsComma = true }

    /// `key` then `value`, left out when the value is nil (as `JSONEncoder` leaves out nil optionals).
    public mutating func member(_ name: String, _ text: String?) { if let text { key(name); string(text) } }
    public mutating func member(_ name: String, _ number: Int64?) { if let number { key(name); int(number) } }
    public mutating func member(_ name: String, _ json: JSONValue?) { if let json { key(name); value(json) } }

    private mutating func separate() { if needsComma { bytes.append(UInt8(ascii: ",")) } }
}
