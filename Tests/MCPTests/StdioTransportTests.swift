import Foundation
import PluginTestKit
import Host
@testable import MCPClient
import Synchronization
import Testing

/// The stdio transport on its own, with /bin/cat as the peer: it echoes every line we send.
@Suite struct StdioTransportTests {
    final class Received: Sendable {
        let events = Mutex<[TransportEvent]>([])
        func add(_ event: TransportEvent) { events.withLock { $0.append(event) } }
        var messages: [IncomingMessage] {
            events.withLock { $0.compactMap { if case .message(let message) = $0 { return message } else { return nil } } }
        }
    }

    func cat(maxMessageBytes: Int = 1 << 20) -> StdioTransport {
        StdioTransport(launch: .init(executable: "/bin/cat", arguments: [], environment: ["PATH": "/bin"], directory: nil),
                       maxMessageBytes: maxMessageBytes, grace: 1)
    }

    /// Waits up to 30 s (a loaded machine is slow) for `condition`.
    func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<3000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func linesGoOutAndComeBackAndCloseReapsTheChild() async throws {
        let transport = cat()
        let received = Received()
        try transport.start { received.add($0) }
        let pid = try #require(transport.processID)
        try transport.send(OutgoingMessage(body: JSONRPC.response(id: .number(1), result: .object(["ok": .bool(true)])), id: nil, method: "x"))
        try await waitUntil { !received.messages.isEmpty }
        #expect(received.messages == [.result(id: .number(1), .object(["ok": .bool(true)]))])
        #expect(await offThePool { transport.close() } == "exited with status 0")
        #expect(!ProcessCheck.exists(pid))
        #expect(received.events.withLock { $0.last.map { if case .closed = $0 { return true } else { return false } } } == true, "closed is the last event")
        #expect(throws: MCPError.self) { try transport.send(OutgoingMessage(body: Data("{}".utf8), id: nil, method: "x")) }
    }

    @Test func aMessageLargerThanThePipeIsQueuedAndFlushedWhileTheReplyIsRead() async throws {
        let transport = cat(maxMessageBytes: 8 << 20)
        let received = Received()
        try transport.start { received.add($0) }
        let big = String(repeating: "z", count: 3 << 20)  // far beyond the 64 KiB pipe buffer
        try transport.send(OutgoingMessage(body: JSONRPC.response(id: .number(2), result: .string(big)), id: nil, method: "x"))
        try await waitUntil { !received.messages.isEmpty }
        let echoed = received.messages.first.flatMap { if case .result(.number(2), .string(let text)) = $0 { return text } else { return nil } }
        #expect(echoed?.utf8.count == big.utf8.count, "the whole 3 MiB came back")  // compared by size: never print 3 MiB
        #expect(echoed == big)
        _ = await offThePool { transport.close() }
    }

    @Test func closingBeforeStartingMeansNothingIsEverSpawned() throws {
        let transport = cat()
        #expect(transport.close() == "not started")
        #expect(throws: MCPError.self) { try transport.start { _ in } }
        #expect(transport.processID == nil)
    }
}
