import CYaml

/// Parses YAML text (JSON included) into `ConfigNode`s with libyaml's event API.
///
/// Supports anchors, aliases and `<<` merge keys. Errors carry libyaml's own message and position.
public enum YAMLParser {
    /// Parses the first document of `text`; returns nil for an empty document.
    /// - Parameter file: the name used in locations and error messages.
    /// - Throws: `ConfigError` at the position libyaml reports.
    public static func parse(_ text: String, file: String) throws(ConfigError) -> ConfigNode? {
        var bytes = Array(text.utf8)
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) != 0 else {
            throw ConfigError(SourceLocation(file: file, line: 1, column: 1), "cannot initialise the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        return try bytes.withUnsafeMutableBufferPointer { buffer throws(ConfigError) in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = Builder(file: file)
            return try builder.document(&parser)
        }
    }

    private struct Builder {
        let file: String
        var anchors: [String: ConfigNode] = [:]

        func location(_ mark: yaml_mark_t) -> SourceLocation {
            SourceLocation(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
        }

        /// Pulls the next event; the caller must `yaml_event_delete` it.
        func next(_ parser: inout yaml_parser_t) throws(ConfigError) -> yaml_event_t {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) != 0 else {
                let problem = parser.problem.map { String(cString: $0) } ?? "syntax error"
                let context = parser.context.map { " " + String(cString: $0) } ?? ""
                throw ConfigError(location(parser.problem_mark), "YAML syntax error: \(problem)\(context)")
            }
            return event
        }

        mutating func document(_ parser: inout yaml_parser_t) throws(ConfigError) -> ConfigNode? {
            while true {
                var event = try next(&parser)
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_STREAM_END_EVENT, YAML_DOCUMENT_END_EVENT:
                    return nil
                case YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT:
                    continue
                default:
                    return try node(from: &event, &parser)
                }
            }
        }

        mutating func node(from event: inout yaml_event_t, _ parser: inout yaml_parser_t) throws(ConfigError) -> ConfigNode {
            let at = location(event.start_mark)
            switch event.type {
            case YAML_SCALAR_EVENT:
                let scalar = event.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
                let node = ConfigNode(.scalar(text, plain: scalar.style == YAML_PLAIN_SCALAR_STYLE), at: at)
                remember(node, anchor: scalar.anchor)
                return node
            case YAML_ALIAS_EVENT:
                let name = String(cString: event.data.alias.anchor)
                guard let node = anchors[name] else { throw ConfigError(at, "unknown alias '*\(name)'") }
                return node
            case YAML_SEQUENCE_START_EVENT:
                let anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
                var items: [ConfigNode] = []
                while let item = try child(&parser) { items.append(item) }
                let node = ConfigNode(.sequence(items), at: at)
                if let anchor { anchors[anchor] = node }
                return node
            case YAML_MAPPING_START_EVENT:
                let anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
                var entries: [ConfigNode.Entry] = []
                while let key = try child(&parser) {
                    guard let value = try child(&parser) else { break }
                    guard case .scalar(let name, _) = key.value else {
                        throw ConfigError(key.location, "mapping keys must be plain strings")
                    }
                    if name == "<<", case .mapping(let merged) = value.value {
                        // Merge key: explicit entries written later override merged ones.
                        entries.append(contentsOf: merged)
                    } else {
                        entries.append(.init(key: name, keyLocation: key.location, value: value))
                    }
                }
                let node = ConfigNode(.mapping(entries), at: at)
                if let anchor { anchors[anchor] = node }
                return node
            default:
                throw ConfigError(at, "unexpected YAML event")
            }
        }

        /// The next child node, or nil at the end of the enclosing collection.
        mutating func child(_ parser: inout yaml_parser_t) throws(ConfigError) -> ConfigNode? {
            var event = try next(&parser)
            defer { yaml_event_delete(&event) }
            if event.type == YAML_SEQUENCE_END_EVENT || event.type == YAML_MAPPING_END_EVENT { return nil }
            return try node(from: &event, &parser)
        }

        mutating func remember(_ node: ConfigNode, anchor: UnsafeMutablePointer<yaml_char_t>?) {
            if let anchor { anchors[String(cString: anchor)] = node }
        }
    }
}
