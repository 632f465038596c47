import Testing
@testable import ProviderCore

/// The in-house JSON reader: strict syntax, lenient types, never a trap.
@Suite struct JSONReaderTests {
    private func string(_ json: String) throws -> String? {
        try JSONReader.read(Array(json.utf8)) { try $0.readString() }
    }

    @Test func escapesAreDecoded() throws {
        #expect(try string(#""a\"b\\c\/d\n\t\r\b\f""#) == "a\"b\\c/d\n\t\r\u{8}\u{C}")
        #expect(try string(#""caf\u00e9 \u20AC""#) == "café €")
    }

    @Test func surrogatePairsCombineAndLoneSurrogatesBecomeReplacementCharacters() throws {
        #expect(try string(#""\ud83d\ude00""#) == "😀")
        #expect(try string(#""a\ud83db""#) == "a\u{FFFD}b")
        #expect(try string(#""\ude00""#) == "\u{FFFD}")
        #expect(try string(#""\ud83d\u0041""#) == "\u{FFFD}A")
    }

    @Test func rawUTF8PassesThrough() throws {
        #expect(try string("\"héllo € 😀 你好\"") == "héllo € 😀 你好")
    }

    /// The fast path reads eight bytes at a time: a quote, backslash or control byte must be
    /// found at every position of every word.
    @Test func specialBytesAreFoundAtEveryPositionOfTheFastPath() throws {
        for length in 0..<24 {
            let prefix = String(repeating: "é", count: length / 2) + String(repeating: "a", count: length % 2)
            #expect(try string("\"\(prefix)\"") == prefix)
            #expect(try string("\"\(prefix)\\n\(prefix)\"") == prefix + "\n" + prefix)
            #expect(throws: JSONSyntaxError.self) { try string("\"\(prefix)\u{1}\(prefix)\"") }
            #expect(throws: JSONSyntaxError.self) { try string("\"\(prefix)") }
        }
    }

    @Test func numbersReadAsIntegersAndDoubles() throws {
        let values = try JSONReader.read(Array(#"[0, -17, 12.0, 1e3, 2.5, -0.25e-2, 123456789012345678901, 1.5e400]"#.utf8)) { reader in
            var ints: [Int?] = []
            var doubles: [Double?] = []
            try reader.beginArray()
            while try reader.nextElement() {
                let start = reader.offset
                ints.append(try reader.readInt())
                reader.offset = start
                doubles.append(try reader.readDouble())
            }
            return (ints, doubles)
        }
        #expect(values.0 == [0, -17, 12, 1000, nil, nil, nil, nil])
        #expect(values.1.prefix(6) == [0, -17, 12, 1000, 2.5, -0.0025])
        #expect(values.1[6] == 1.2345678901234568e20)
        #expect(values.1[7] == .infinity)
    }

    @Test func typesAreLenientValuesOfAnotherTypeAreSkipped() throws {
        let result = try JSONReader.read(Array(#"{"a": 1, "b": {"x": [1, "y"]}, "c": null, "d": "text", "e": true}"#.utf8)) { reader in
            var strings: [String?] = []
            try reader.readObject { reader, _ in strings.append(try reader.readString()) }
            return strings
        }
        #expect(result == [nil, nil, nil, "text", nil])
    }

    @Test func keysMatchLiteralsEvenWhenSpelledWithEscapes() throws {
        let matched = try JSONReader.read(Array(#"{"content": 1, "\u0063ontent": 2, "contents": 3, "": 4}"#.utf8)) { reader in
            var matches: [Bool] = []
            try reader.readObject { reader, key in
                matches.append("content" ~= key)
                try reader.skipValue()
            }
            return matches
        }
        #expect(matched == [true, true, false, false])
    }

    @Test func rawJSONIsReturnedUnchanged() throws {
        let raw = try JSONReader.read(Array(#"  {"a": [1, {"b": "c\"d"}], "e": null}  "#.utf8)) { try $0.readRawJSON() }
        #expect(raw == #"{"a": [1, {"b": "c\"d"}], "e": null}"#)
    }

    @Test(arguments: [
        "", " ", "{", "}", "[", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":}", "{1:2}", "[1 2]", "tru", "nul",
        "01", "-", "1.", ".5", "1e", "+1", "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"\\u12\"", "[1]]", "{} {}", "NaN",
        "\"a\u{0}b\"", "[\"\\", "{\"a\":1}x",
    ])
    func malformedInputThrowsAndNeverTraps(json: String) {
        #expect(throws: JSONSyntaxError.self) {
            try JSONReader.read(Array(json.utf8)) { try $0.skipValue() }
        }
    }

    @Test func nestingIsBoundedSoHostileInputCannotExhaustTheStack() throws {
        let limit = JSONReader.maximumDepth
        let fine = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        try JSONReader.read(Array(fine.utf8)) { try $0.skipValue() }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONReader.read(Array(deep.utf8)) { try $0.skipValue() } }
    }

    @Test func anEmptyBufferThrows() {
        #expect(throws: JSONSyntaxError.self) {
            try JSONReader.read(UnsafeRawBufferPointer(start: nil, count: 0)) { try $0.skipValue() }
        }
    }
}
