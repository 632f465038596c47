import Dispatch
import Glibc

/// Waits for SIGINT or SIGTERM without a signal handler racing the rest of the process.
enum SignalWaiter {
    /// Returns the first of `signals` delivered, or nil when the calling task is cancelled.
    static func next(of signals: [Int32] = [SIGINT, SIGTERM]) async -> Int32? {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = signals.map { number in
            signal(number, SIG_IGN)  // the dispatch source sees it; the default action must not kill us
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        defer { sources.forEach { $0.cancel() } }
        for await number in stream { return number }
        return nil
    }

    static func name(_ number: Int32) -> String { number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "signal \(number)" }
}
