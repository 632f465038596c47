import Foundation

/// A JSON document: what crosses the plugin boundary as requests and config blocks.
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .int(value) }
        else if let value = try? container.decode(Double.self) { self = .double(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Compact JSON text with sorted keys, so equal documents serialize identically
    /// (what `JSONEncoder` with `.sortedKeys, .withoutEscapingSlashes` writes; see `JSONWriter`).
    public var jsonText: String { JSONWriter.write(self) }

    /// Parses JSON text. - Throws: `JSONParseError` with the byte offset of the problem.
    public static func parse(_ text: some StringProtocol) throws -> JSONValue {
        var text = String(text)
        return try text.withUTF8 { try JSONParser.parse($0) }
    }

    /// Parses UTF-8 bytes, such as a line read from a pipe. - Throws: `JSONParseError`.
    public static func parse(utf8 bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in Result { () throws(JSONParseError) in try JSONParser.parse(buffer) } }) {
            return try result.get()
        }
        return try Array(bytes).withUnsafeBufferPointer { buffer throws(JSONParseError) in try JSONParser.parse(buffer) }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The value at a dotted path such as `plugins.ExampleC.config`; "" is the value itself.
    public func value(atPath path: String) -> JSONValue? {
        path.isEmpty ? self : path.split(separator: ".").reduce(Optional(self)) { $0?[String($1)] }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let items) = self { return items } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let members) = self { return members } else { return nil } }
    /// The number, whether JSON wrote it as an integer or not.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}
