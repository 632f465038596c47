import Foundation
import JSONSupport
import Testing

/// The fast parser and writer against Foundation's coders as the oracle: same values in, same text out.
@Suite struct JSONValueTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    @Test(arguments: [
        JSONValue.double(21.5), .double(1.0), .double(-0.0), .double(1e20), .double(1e22), .double(0.1), .double(1e-7),
        .double(.leastNonzeroMagnitude), .double(1.7976931348623157e308), .double(0.30000000000000004), .double(-2.5e-5), .int(.min), .int(.max), .int(0), .int(-42), .int(1_000_000),
        .string("a\"b\\c/d\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é😀\u{2028}"), .string(""), .string("plain words, é and 😀 need no escaping"),
        .object(["b": .int(1), "a": .null, "B": .bool(true), "é": .int(2), "aa": .array([]), "z": .object([:])]),
        .array([.bool(false), .null, .array([.string("x")])]),
    ])
    func writesWhatJSONEncoderWrites(value: JSONValue) throws {
        #expect(value.jsonText == String(decoding: try Self.encoder.encode(value), as: UTF8.self))
        #expect(try JSONValue.parse(value.jsonText) == (try JSONDecoder().decode(JSONValue.self, from: Data(value.jsonText.utf8))))
    }

    @Test(arguments: ["1.0", "1e2", "-0", "12345678901234567890", "0.1", "[1.0, 2]", #"{"a":true}"#, #""\ud83d\ude00 \u00e9 \/""#,
                      " [ ] ", #"{"a" : [1, {"b": null}], "a": 2}"#, "-1.5E-3", "9007199254740993", "-9223372036854775808",
                      "9223372036854775807", "9223372036854775808", "-9223372036854775809", "-42", "0", "[-7,300]"])
    func readsWhatJSONDecoderReads(text: String) throws {
        #expect(try JSONValue.parse(text) == (try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))))
    }

    @Test(arguments: ["", "{", "[1,]", #"{"a":1,}"#, "01", "1.", "-", #""\x""#, "tru", "[1] 2", "\"a\u{1}\"", "{1:2}", "'a'", "NaN",
                      String(repeating: "[", count: 600) + String(repeating: "]", count: 600)])
    func rejectsWhatIsNotJSON(text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
    }

    @Test func errorsSayWhereAndLoneSurrogatesAreRepaired() throws {
        let error = #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a": [1, 2,, 3]}"#) }
        #expect(error?.offset == 12)
        #expect(try JSONValue.parse(#""\ud800x""#) == .string("\u{FFFD}x"))
        #expect(try JSONValue.parse(utf8: Array(#"{"k":[true]}"#.utf8)) == .object(["k": .array([.bool(true)])]))
        #expect(JSONValue.double(.infinity).jsonText == "null", "JSON has no infinity")
    }

    /// JSONTextWriter, keys written in sorted order, gives `jsonText`'s bytes.
    @Test func theTextWriterWritesWhatJSONTextWrites() {
        let nested: JSONValue = .object(["a": .array([.int(-3), .string("q\""), .null, .object([:])]), "b": .double(0.5)])
        var writer = JSONTextWriter()
        writer.beginObject()
        writer.member("count", Int64(2))
        writer.member("missing", nil as String?)
        writer.member("nested", nested)
        writer.key("rows")
        writer.beginArray()
        for index in 0..<2 {
            writer.beginObject()
            writer.member("id", Int64(index))
            writer.member("text", "line\n\(index)")
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        let expected: JSONValue = .object(["count": .int(2), "nested": nested, "rows": .array((0..<2).map { .object(["id": .int(Int64($0)), "text": .string("line\n\($0)")]) })])
        #expect(writer.text == expected.jsonText)
    }
}
