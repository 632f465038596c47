import CurlHTTP
import Foundation
import PluginTestKit
import Synchronization
import Testing

/// CurlMulti's fairness under load: busy transfers take turns, and new work jumps the queue (a
/// new request is sent and its first byte handled between two busy sockets, not after a round).
@Suite struct CurlMultiPriorityTests {
    static let busyStreams = 24

    /// libcurl reads a socket for as long as it stays readable; the loop's budget makes a busy
    /// transfer pause after 16 KiB and take its turn again after the others.
    @Test func busyStreamsWithASlowConsumerTakeTurns() async throws {
        try await withBusyStreams { _, _, served in
            for _ in 0..<500 where served.count < 3 * Self.busyStreams {  // bounded wait
                try await Task.sleep(for: .milliseconds(10))
            }
            // Without the budget a turn lasts up to libcurl's 100 reads of 16 KiB: about 13,000
            // events at 50 µs, 0.7 s, so fewer than 10 turns in the 5 s.
            #expect(served.count >= 3 * Self.busyStreams)
        }
    }

    @Test func aNewRequestIsServedBetweenBusyStreamsNotAfterARoundOfThem() async throws {
        try await withBusyStreams { multi, port, served in
            for _ in 0..<500 where served.count < 3 * Self.busyStreams {  // saturated (bounded wait)
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(served.count >= 3 * Self.busyStreams, "the busy streams never got going")
            // How many busy sockets the loop served between a new request's start and its first
            // byte; the best of three, so one moment when the mock was off the CPU does not decide.
            var fewest = Int.max
            for _ in 0..<3 {
                let firstByteAt = Mutex<Int?>(nil)
                let ended = DispatchSemaphore(value: 0)
                let handlers = TransferHandlers(head: { _, _ in }, body: { _ in
                    firstByteAt.withLock { if $0 == nil { $0 = served.count } }
                    return true
                }, end: { _ in ended.signal() })
                let startedAt = served.count
                _ = try #require(multi.start(Self.request(port: port, chunks: 3), handlers: handlers))
                #expect(await offThePool { ended.wait(timeout: .now() + 20) == .success })
                fewest = min(fewest, try #require(firstByteAt.withLock { $0 }) - startedAt)
            }
            // Each step of the new transfer (connect, send, head, body) waits for the socket being
            // served to spend its budget: a handful of busy sockets in all. Without priority the
            // request waits for the rest of a batch, and its answer behind a whole round: at least
            // `busyStreams`.
            #expect(fewest < Self.busyStreams, "the new request waited behind \(fewest) busy sockets")
        }
    }

    /// A handler that refuses the bytes libcurl held back during a pause ends its transfer
    /// (aborted); libcurl does not run a transfer again once that delivery failed.
    @Test func aTransferRefusedWhileResumingEnds() async throws {
        try await withBusyStreams { multi, port, served in
            for _ in 0..<500 where served.count < 3 * Self.busyStreams {  // saturated (bounded wait)
                try await Task.sleep(for: .milliseconds(10))
            }
            // The new stream refuses its first delivery after the loop has served others since
            // its last one: with the budget in force that is the delivery on resume.
            let lastSeen = Mutex<Int?>(nil)
            let ended = Mutex<TransferFailure??>(nil)
            let done = DispatchSemaphore(value: 0)
            let handlers = TransferHandlers(head: { _, _ in }, body: { _ in
                Self.spin(for: .microseconds(50))
                return lastSeen.withLock { last in
                    defer { last = served.count }
                    return last == nil || last == served.count
                }
            }, end: { failure in
                ended.withLock { $0 = .some(failure) }
                done.signal()
            })
            _ = try #require(multi.start(Self.request(port: port, chunks: 10_000_000), handlers: handlers))
            #expect(await offThePool { done.wait(timeout: .now() + 20) == .success }, "the refused transfer never ended")
            #expect(ended.withLock { $0 }??.kind == .aborted)
        }
    }

    /// Runs `body` while `busyStreams` endless streams with a slow consumer (50 µs an event) keep
    /// every one of their sockets ready; `served` counts the loop's turns from one busy socket to another.
    func withBusyStreams(_ body: (CurlMulti, Int, SocketTurns) async throws -> Void) async throws {
        // chat-load's mock (C, epoll) answers a new request within one pass over its streams, so
        // what the tests measure is the client's loop, not the server's.
        let mock = RunningProcess(ProviderHarness.buildDirectory + "/chat-load", ["--serve-mock"])
        try mock.start()
        defer { mock.signal(SIGKILL) }
        let port = try #require(await Self.port(of: mock))
        let multi = try #require(CurlMulti())
        defer { multi.shutdown() }
        let served = SocketTurns()
        var busy: [UInt64] = []
        defer { for id in busy { multi.cancel(id) } }
        for stream in 0..<Self.busyStreams {
            let handlers = TransferHandlers(head: { _, _ in }, body: { _ in
                Self.spin(for: .microseconds(50))
                served.serving(stream)
                return true
            }, end: { _ in })
            busy.append(try #require(multi.start(Self.request(port: port, chunks: 10_000_000), handlers: handlers)))
        }
        try await body(multi, port, served)
    }

    /// How often the multi loop moved from one busy transfer to another (called on the multi thread).
    final class SocketTurns: Sendable {
        private let current = Atomic<Int>(-1)
        private let turns = Atomic<Int>(0)
        var count: Int { turns.load(ordering: .relaxed) }
        func serving(_ stream: Int) {
            if current.exchange(stream, ordering: .relaxed) != stream { turns.add(1, ordering: .relaxed) }
        }
    }

    static func request(port: Int, chunks: Int) -> HTTPRequest {
        let body = #"{"model":"bench?chunks=\#(chunks)","stream":true,"messages":[{"role":"user","content":"hi"}]}"#
        return HTTPRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions", headers: [("Content-Type", "application/json")], body: Data(body.utf8))
    }

    /// The "PORT n" line chat-load prints once listening (bounded wait).
    static func port(of mock: RunningProcess) async -> Int? {
        for _ in 0..<250 {
            if let line = mock.stdout.split(separator: "\n").first(where: { $0.hasPrefix("PORT ") }) { return Int(line.dropFirst(5)) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Busy work on the calling thread (the multi thread: a consumer slower than the stream).
    static func spin(for duration: Duration) {
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {}
    }
}
