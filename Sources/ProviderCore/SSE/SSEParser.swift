#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An incremental parser for `text/event-stream` bodies (WHATWG HTML, "Server-sent events",
/// §9.2.6 "Interpreting an event stream"), fed network chunks of any size and split anywhere:
/// inside a field name, inside a multi-byte UTF-8 character, between a CR and its LF.
///
/// It handles CRLF, LF and lone CR line endings, `data:` with or without its single leading
/// space, multi-line data (joined with "\n"), `event:`, `id:` (kept across events; values with
/// NUL ignored) and `retry:` (`reconnectionTime`), comment lines (reported as `.comment`, never as
/// data), a byte-order mark at the very start, and dispatch on a blank line.
///
/// **End of stream (a deliberate choice).** The spec discards an event not followed by a blank
/// line when the stream ends. By default `finish()` dispatches it instead, completing an
/// unterminated last line too, because some OpenAI-compatible servers close right after
/// `data: [DONE]\n`. Call `finish()` only at a clean end of the body (a truncated transfer is a
/// transport error). Set `dispatchesUnterminatedEventAtEnd` to false for the spec's behaviour.
///
/// **Bounded.** When an event's data plus the line being read (field name included), or any
/// single line, would exceed `maximumEventSize` bytes, the parser reports
/// `.failure(.eventTooLarge)` once and stops: later input is ignored.
///
/// Efficiency: complete lines are read in place from the caller's chunk (line ends are found
/// with `memchr`); only a line split across chunks is copied, and data bytes once, into a buffer
/// reused from event to event (`ChatStreamDecoder` reads it in place; `Output.event` gets a copy).
///
/// - Important: Not thread-safe: use one parser per stream, from one thread at a time.
///   It is a value; copies are independent.
public struct SSEParser: Sendable {
    /// The parser's bounds and end-of-stream rule.
    public struct Configuration: Equatable, Sendable {
        /// The most bytes one event's data plus the line being read may hold; 1 MiB by default.
        public var maximumEventSize: Int
        /// Whether `finish()` dispatches a last event that lacks its blank line (default) or
        /// discards it as the spec says.
        public var dispatchesUnterminatedEventAtEnd: Bool

        /// A configuration; the defaults suit chat-completions streams.
        public init(maximumEventSize: Int = 1 << 20, dispatchesUnterminatedEventAtEnd: Bool = true) {
            self.maximumEventSize = maximumEventSize
            self.dispatchesUnterminatedEventAtEnd = dispatchesUnterminatedEventAtEnd
        }
    }

    /// What feeding bytes produces, in stream order.
    public enum Output: Equatable, Sendable {
        /// A dispatched event.
        case event(SSEEvent)
        /// A comment line's text, without the colon and one leading space (`: OPENROUTER PROCESSING`
        /// gives "OPENROUTER PROCESSING"). The spec ignores comments; they are reported for keep-alive logic.
        case comment(String)
        /// The stream broke a bound; reported once, after which the parser ignores all input.
        case failure(SSEParserError)
    }

    enum State { case streaming, finished, failed }

    /// The bounds and end-of-stream rule this parser was made with.
    public let configuration: Configuration
    /// The stream's last event ID: the value of the last valid `id:` field so far.
    public internal(set) var lastEventID = ""
    /// The stream's reconnection time in milliseconds, from the last valid `retry:` field.
    public internal(set) var reconnectionTime: Int?

    var state = State.streaming
    /// The start of a line whose end has not arrived yet.
    var partialLine: [UInt8] = []
    var data: [UInt8] = []
    var dataLineCount = 0
    var eventType: String?
    /// The previous chunk ended with CR: an LF starting this one belongs to it.
    var skipsLeadingLF = false
    /// How many bytes of a leading byte-order mark have been seen; nil once the start is past.
    var byteOrderMarkMatched: Int? = 0

    /// A parser for one stream, at its start.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// True after `finish()` or a failure: further input is ignored.
    public var isFinished: Bool { state != .streaming }

    /// Parses the next chunk of the body and appends what it completes to `outputs` (events,
    /// comments, or one `.failure` when a bound is broken). Does nothing once finished or failed.
    /// - Parameters:
    ///   - chunk: bytes as received, split anywhere; borrowed for this call only (nothing keeps
    ///     a pointer into it).
    ///   - outputs: appended to, never cleared, so one array can be reused across chunks.
    public mutating func feed(_ chunk: UnsafeRawBufferPointer, into outputs: inout [Output]) {
        feed(chunk, to: &outputs)
    }

    /// Parses the next chunk into any sink; see `feed(_:into:)`.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, to outputs: inout some SSEOutputSink) {
        guard state == .streaming, let base = chunk.baseAddress, chunk.count > 0 else { return }
        var bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: chunk.count)
        if byteOrderMarkMatched != nil {
            guard let rest = skipByteOrderMark(bytes, into: &outputs) else { return }
            bytes = rest
        }
        scanLines(bytes, into: &outputs)
    }

    /// Parses the next chunk of the body and returns what it completes; see `feed(_:into:)`.
    public mutating func feed(_ chunk: [UInt8]) -> [Output] {
        var outputs: [Output] = []
        chunk.withUnsafeBytes { feed($0, into: &outputs) }
        return outputs
    }

    /// Ends the stream: dispatches a pending event per `dispatchesUnterminatedEventAtEnd`, then
    /// ignores further input. Call once, at a clean end of the body.
    public mutating func finish(into outputs: inout [Output]) {
        finish(to: &outputs)
    }

    /// Ends the stream into any sink; see `finish(into:)`.
    mutating func finish(to outputs: inout some SSEOutputSink) {
        guard state == .streaming else { return }
        if configuration.dispatchesUnterminatedEventAtEnd {
            if let matched = byteOrderMarkMatched, matched > 0 { partialLine = Array(Self.byteOrderMark.prefix(matched)) }
            if !partialLine.isEmpty { processPartialLine(appending: UnsafeBufferPointer(start: nil, count: 0), into: &outputs) }
            if state == .streaming { dispatch(into: &outputs) }
        }
        if state == .streaming { state = .finished }
        partialLine = []
        data = []
    }

    /// Ends the stream and returns what that completes; see `finish(into:)`.
    public mutating func finish() -> [Output] {
        var outputs: [Output] = []
        finish(into: &outputs)
        return outputs
    }

    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// Drops one byte-order mark at the start of the stream, which may arrive split. Returns the
    /// bytes after it, or nil when every byte was part of a still-incomplete mark.
    private mutating func skipByteOrderMark(_ bytes: UnsafeBufferPointer<UInt8>,
                                            into outputs: inout some SSEOutputSink) -> UnsafeBufferPointer<UInt8>? {
        var matched = byteOrderMarkMatched ?? 0
        var index = 0
        while index < bytes.count, matched < 3, bytes[index] == Self.byteOrderMark[matched] {
            matched += 1
            index += 1
        }
        if matched < 3, index == bytes.count {
            byteOrderMarkMatched = matched
            return nil
        }
        byteOrderMarkMatched = nil
        if matched < 3, matched > 0 {  // not a mark after all: its first bytes are content
            Self.byteOrderMark.prefix(matched).withUnsafeBufferPointer { scanLines($0, into: &outputs) }
        }
        return UnsafeBufferPointer(rebasing: bytes[index...])
    }

    /// Splits bytes into lines, processing each complete one and keeping the unfinished tail.
    private mutating func scanLines(_ bytes: UnsafeBufferPointer<UInt8>, into outputs: inout some SSEOutputSink) {
        let count = bytes.count
        var start = 0
        if skipsLeadingLF, count > 0 {
            skipsLeadingLF = false
            if bytes[0] == Self.lf { start = 1 }
        }
        var nextLF = -1
        var nextCR = -1
        while start < count, state == .streaming {
            // Cached positions: each byte is searched at most once per terminator kind.
            if nextLF < start { nextLF = Self.position(of: Self.lf, in: bytes, from: start) }
            if nextCR < start { nextCR = Self.position(of: Self.cr, in: bytes, from: start) }
            let end = min(nextLF, nextCR)
            guard end < count else {
                stash(UnsafeBufferPointer(rebasing: bytes[start..<count]), into: &outputs)
                return
            }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if partialLine.isEmpty {
                processLine(line, into: &outputs)
            } else {
                processPartialLine(appending: line, into: &outputs)
            }
            if bytes[end] == Self.cr, end + 1 == count {
                skipsLeadingLF = true
            }
            start = bytes[end] == Self.cr && end + 1 < count && bytes[end + 1] == Self.lf ? end + 2 : end + 1
        }
    }

    private static let lf = UInt8(ascii: "\n")
    private static let cr = UInt8(ascii: "\r")

    /// The index of the first `byte` at or after `start`, or `bytes.count` when there is none.
    private static func position(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = bytes.baseAddress, start < bytes.count,
              let hit = memchr(base + start, Int32(byte), bytes.count - start) else { return bytes.count }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
    }

    /// Keeps the start of a line until its end arrives, within the size bound.
    private mutating func stash(_ tail: UnsafeBufferPointer<UInt8>, into outputs: inout some SSEOutputSink) {
        guard partialLine.count + tail.count + data.count <= configuration.maximumEventSize else {
            return failTooLarge(into: &outputs)
        }
        partialLine.append(contentsOf: tail)
    }

    /// Completes the stashed line with `rest` and processes it, keeping the buffer's capacity.
    private mutating func processPartialLine(appending rest: UnsafeBufferPointer<UInt8>, into outputs: inout some SSEOutputSink) {
        stash(rest, into: &outputs)
        guard state == .streaming else { return }
        var line: [UInt8] = []
        swap(&line, &partialLine)
        line.withUnsafeBufferPointer { processLine($0, into: &outputs) }
        line.removeAll(keepingCapacity: true)
        swap(&line, &partialLine)
    }
}
