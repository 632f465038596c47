@preconcurrency import Dispatch
import Glibc

/// Turns SIGINT and SIGTERM into events, installed before anything else in `run` so that no
/// signal is lost and none kills the host before its components are shut down.
///
/// The classic self-pipe: an async-signal-safe handler writes the signal number into a pipe,
/// and a dispatch read source turns the pipe's bytes into an `AsyncStream`.
final class SignalWaiter: Sendable {
    /// The pipe's write end, read by the signal handler (a plain global load is async-signal-safe).
    nonisolated(unsafe) private static var writeEnd: Int32 = -1
    private let signals: AsyncStream<Int32>
    /// Kept for the life of the waiter; DispatchSource is thread-safe.
    nonisolated(unsafe) private let source: any DispatchSourceRead

    /// Installs the handler for `numbers`. Call once per process, as early as possible.
    init(_ numbers: [Int32] = [SIGINT, SIGTERM]) {
        var ends: [Int32] = [0, 0]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        for end in ends where end >= 0 { _ = fcntl(end, F_SETFD, FD_CLOEXEC); _ = fcntl(end, F_SETFL, O_NONBLOCK) }
        Self.writeEnd = ends[1]
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        signals = stream
        source = DispatchSource.makeReadSource(fileDescriptor: ends[0], queue: .global())
        source.setEventHandler { [ends] in
            var bytes = [UInt8](repeating: 0, count: 16)
            let count = read(ends[0], &bytes, bytes.count)
            for byte in bytes.prefix(max(count, 0)) { continuation.yield(Int32(byte)) }
        }
        source.resume()
        // A launcher may have passed on a mask that blocks these (Foundation's Process spawns from
        // worker threads that block most signals): unblock them, or they would never arrive.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in numbers { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for number in numbers {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalWaiter.writeEnd, &byte, 1)
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
        }
    }

    /// The next signal received (including any that arrived before this call), or nil when the
    /// calling task is cancelled.
    func next() async -> Int32? {
        for await number in signals { return number }
        return nil
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)" }
}
