import Foundation
import JSONSupport
import ProviderCore

/// The receiving side of one HTTP exchange (a POST, or a GET stream): it reads a JSON body or
/// an SSE stream, hands each JSON-RPC message on, and notes what the transport must know at the
/// end (status, session id, whether the awaited response arrived, the last event id).
///
/// Threading: used only on the CurlMulti thread, from its handlers.
final class HTTPExchange: @unchecked Sendable {
    let awaiting: RequestID?
    let maxMessageBytes: Int
    private(set) var status = 0
    private(set) var headers: [String: String] = [:]
    private(set) var isEventStream = false
    private(set) var sawResponse = false
    private(set) var overflowed = false
    private var body: [UInt8] = []
    private var parser: SSEParser
    private var outputs: [SSEParser.Output] = []
    private let deliver: @Sendable (TransportEvent) -> Void

    init(awaiting: RequestID?, maxMessageBytes: Int, lastEventID: String? = nil, deliver: @escaping @Sendable (TransportEvent) -> Void) {
        self.awaiting = awaiting
        self.maxMessageBytes = maxMessageBytes
        self.deliver = deliver
        // A response stream that ends without its blank line is lost, not complete: no dispatch at the end.
        parser = SSEParser(configuration: .init(maximumEventSize: maxMessageBytes, dispatchesUnterminatedEventAtEnd: false))
    }

    var lastEventID: String? { parser.lastEventID.isEmpty ? nil : parser.lastEventID }
    var retryMilliseconds: Int? { parser.reconnectionTime }

    func head(_ status: Int, _ headers: [String: String]) {
        self.status = status
        self.headers = headers
        isEventStream = (headers["content-type"] ?? "").lowercased().hasPrefix("text/event-stream")
    }

    /// Returns false to abort a body that grew past the limit.
    func body(_ chunk: UnsafeRawBufferPointer) -> Bool {
        if isEventStream && (200..<300).contains(status) {
            outputs.removeAll(keepingCapacity: true)
            parser.feed(chunk, into: &outputs)
            for output in outputs {
                switch output {
                case .event(let event) where event.type == "message" && !event.data.isEmpty:
                    decode(event.data)  // an event with empty data only primes resumption
                case .failure:
                    overflowed = true  // an event over max_message_bytes: this response is lost
                    return false
                case .event, .comment:
                    break
                }
            }
            return true
        }
        guard body.count + chunk.count <= maxMessageBytes else {
            overflowed = true
            return false
        }
        body.append(contentsOf: chunk)
        return true
    }

    /// Delivers a JSON body (success statuses); returns it parsed for error statuses.
    func finishBody() -> JSONValue? {
        guard !isEventStream, !body.isEmpty else { return nil }
        if (200..<300).contains(status) {
            decode(body)
            return nil
        }
        return try? JSONValue.parse(String(decoding: body, as: UTF8.self))
    }

    private func decode(_ bytes: [UInt8]) {
        do throws(JSONRPC.DecodingFailure) {
            for message in try JSONRPC.decode(bytes) {
                switch message {
                case .result(let id, _) where id == awaiting, .error(let id?, _) where id == awaiting: sawResponse = true
                default: break
                }
                deliver(.message(message))
            }
        } catch {
            deliver(.garbage(String(decoding: bytes.prefix(200), as: UTF8.self)))
        }
    }
}
