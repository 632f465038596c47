import Foundation
import JSONSupport
import Testing

/// `JSONValue.decode` against Foundation's `JSONDecoder` as the oracle: the same values, and the
/// same kind of error at the same coding path.
@Suite struct JSONValueDecoderTests {
    struct Request: Codable, Equatable {
        struct Item: Codable, Equatable {
            var name: String
            var weight: Double
        }
        var id: Int64
        var count: Int?
        var label: String?
        var flag: Bool
        var items: [Item]
        var tags: [String]
        var extra: JSONValue?
        var nested: [String: Int]
        enum CodingKeys: String, CodingKey { case id = "message_id", count, label, flag, items, tags, extra, nested }
    }

    @Test(arguments: [
        #"{"message_id":7,"flag":true,"items":[{"name":"a","weight":1},{"name":"b","weight":2.5}],"tags":[],"nested":{"x":1}}"#,
        #"{"message_id":-9223372036854775808,"count":3,"label":null,"flag":false,"items":[],"tags":["t","u"],"extra":{"k":[1,null,"s"]},"nested":{},"unknown":1}"#,
        #"{"message_id":1,"flag":true,"items":[],"tags":[],"extra":null,"nested":{}}"#,
    ])
    func decodesWhatJSONDecoderDecodes(text: String) throws {
        let expected = try JSONDecoder().decode(Request.self, from: Data(text.utf8))
        #expect(try JSONValue.parse(text).decode(Request.self) == expected)
    }

    @Test(arguments: [
        (#"{"flag":true,"items":[],"tags":[],"nested":{}}"#, "message_id"),
        (#"{"message_id":"7","flag":true,"items":[],"tags":[],"nested":{}}"#, "message_id"),
        (#"{"message_id":7,"flag":true,"items":[{"name":"a","weight":"heavy"}],"tags":[],"nested":{}}"#, "items.0.weight"),
        (#"{"message_id":7,"flag":true,"items":[],"tags":[1],"nested":{}}"#, "tags.0"),
        (#"{"message_id":7,"flag":"yes","items":[],"tags":[],"nested":{}}"#, "flag"),
        (#"{"message_id":7.5,"flag":true,"items":[],"tags":[],"nested":{}}"#, "message_id"),
        (#"[1]"#, ""),
    ])
    func failsWhereJSONDecoderFails(text: String, path: String) throws {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Request.self, from: Data(text.utf8)) }
        do {
            _ = try JSONValue.parse(text).decode(Request.self)
            Issue.record("decoded \(text)")
        } catch let DecodingError.keyNotFound(key, context) {
            #expect((context.codingPath + [key]).map(\.stringValue).joined(separator: ".") == path)
        } catch let DecodingError.typeMismatch(_, context) {
            #expect(context.codingPath.map(\.stringValue).joined(separator: ".") == path)
        }
    }

    struct Small: Codable, Equatable {
        var a: Int8
        var b: UInt8
        var c: Int16
        var d: UInt32
        var e: [UInt16]
        var f: Float
        var g: String?
        enum CodingKeys: CodingKey { case a, b, c, d, e, f, g }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            (a, b, c, d) = (try container.decode(Int8.self, forKey: .a), try container.decode(UInt8.self, forKey: .b),
                            try container.decode(Int16.self, forKey: .c), try container.decode(UInt32.self, forKey: .d))
            (e, f) = (try container.decode([UInt16].self, forKey: .e), try container.decode(Float.self, forKey: .f))
            g = try container.decode(String?.self, forKey: .g)  // decode, not decodeIfPresent: a null is nil
        }
    }

    /// Every integer width (their own init(from:) must not come back here), and an optional read with decode.
    @Test func integersOfEveryWidthAndAnOptionalDecodedFromNull() throws {
        let text = #"{"a":-128,"b":255,"c":-32768,"d":4294967295,"e":[0,65535],"f":1.5,"g":null}"#
        let decoded = try JSONValue.parse(text).decode(Small.self)
        #expect(decoded == (try JSONDecoder().decode(Small.self, from: Data(text.utf8))))
        #expect(decoded.g == nil && decoded.b == 255)
        #expect(throws: DecodingError.self) { try JSONValue.parse(#"{"a":128,"b":0,"c":0,"d":0,"e":[],"f":0,"g":"x"}"#).decode(Small.self) }
    }

    @Test func aJSONValueMemberIsTakenAsItIs() throws {
        struct Holder: Decodable { var value: JSONValue }
        let value: JSONValue = .object(["a": .array([.int(1), .double(2.5), .string("x"), .null, .bool(true)])])
        #expect(try JSONValue.object(["value": value]).decode(Holder.self).value == value)
    }
}
