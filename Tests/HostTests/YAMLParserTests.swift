import Testing
@testable import Host

@Suite struct YAMLParserTests {
    @Test func nestedMappingsAndListsKeepTheirPositions() throws {
        let text = "a:\n  b: [1, two, \"3\"]\n  c: true\n"
        let root = try #require(try YAMLParser.parse(text, file: "t.yaml"))
        #expect(root.json == .object(["a": .object(["b": .array([.int(1), .string("two"), .string("3")]), "c": .bool(true)])]))
        let b = try #require(root["a"]?["b"])
        #expect(b.location == SourceLocation(file: "t.yaml", line: 2, column: 6))
    }

    @Test func anchorsAliasesAndMergeKeysResolve() throws {
        let text = "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\ncopy: *b\n"
        let root = try #require(try YAMLParser.parse(text, file: "t.yaml"))
        #expect(root["other"]?.json == .object(["x": .int(1), "y": .int(3)]))
        #expect(root["copy"]?.json == .object(["x": .int(1), "y": .int(2)]))
    }

    @Test func plainScalarsAreTypedAndQuotedOnesStayStrings() throws {
        let text = "i: 42\nf: 1.5\nn: ~\nb: false\ns: 'true'\nh: 0x1F\nv: 1.2.3\n"
        let root = try #require(try YAMLParser.parse(text, file: "t.yaml"))
        #expect(root.json == .object(["i": .int(42), "f": .double(1.5), "n": .null, "b": .bool(false),
                                      "s": .string("true"), "h": .int(31), "v": .string("1.2.3")]))
    }

    @Test func syntaxErrorReportsLineAndColumn() throws {
        let error = #expect(throws: ConfigError.self) { try YAMLParser.parse("a: 1\nb: [1, 2\nc: 3\n", file: "bad.yaml") }
        let diagnostic = try #require(error?.diagnostics.first)
        #expect(diagnostic.location.file == "bad.yaml")
        #expect(diagnostic.location.line == 3)
        #expect(diagnostic.description.hasPrefix("bad.yaml:3:"))
        #expect(diagnostic.message.contains("YAML syntax error"))
    }

    @Test func unknownAliasIsAnError() {
        #expect(throws: ConfigError.self) { try YAMLParser.parse("a: *nowhere\n", file: "t.yaml") }
    }

    @Test func emptyDocumentIsNil() throws {
        #expect(try YAMLParser.parse("", file: "t.yaml") == nil)
        #expect(try YAMLParser.parse("# only a comment\n", file: "t.yaml") == nil)
    }
}
