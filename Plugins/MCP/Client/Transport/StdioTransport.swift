import Foundation
import Glibc
import MCPSystem
import Synchronization

/// MCP over a child's stdin/stdout: one JSON-RPC message per line. stderr is the server's log,
/// reported line by line.
///
/// One I/O thread per server polls stdout, stderr, a wake-up pipe and (while output is queued)
/// stdin. `send` writes from the caller's thread when the pipe has room and queues the rest
/// (at most `maxQueuedBytes`), so it never blocks on a server that stops reading. A stdout line
/// longer than `maxMessageBytes` is dropped and reported as garbage.
final class StdioTransport: MCPTransport, @unchecked Sendable {  // `child`, `thread`, `wake`: set once, under `phase`, in start()
    struct Launch: Sendable {
        var executable: String
        var arguments: [String]
        var environment: [String: String]
        var directory: String?
    }

    private struct Output {
        var queued: [UInt8] = []
        var broken: String?
    }

    private let launch: Launch
    private let maxMessageBytes: Int
    private let grace: Double
    private let maxQueuedBytes: Int
    private var child: ChildProcess?
    private var thread: JoinableThread?
    private var wake: [Int32] = [-1, -1]
    private let output = Mutex(Output())
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private enum Phase { case idle, running, closed }
    private let phase = Mutex(Phase.idle)

    static let maxStderrLine = 16 * 1024

    init(launch: Launch, maxMessageBytes: Int, grace: Double) {
        self.launch = launch
        self.maxMessageBytes = maxMessageBytes
        self.grace = grace
        maxQueuedBytes = max(4 * maxMessageBytes, 1 << 20)
    }

    var processID: Int32? { child?.pid }

    /// Writing to a dead server's stdin must fail with EPIPE, not kill the host.
    static let ignoreSIGPIPE: Void = {
        var current = sigaction()
        sigaction(SIGPIPE, nil, &current)
        if current.__sigaction_handler.sa_handler == nil { signal(SIGPIPE, SIG_IGN) }  // only if it was SIG_DFL
    }()

    func start(_ handler: @escaping @Sendable (TransportEvent) -> Void) throws(MCPError) {
        _ = Self.ignoreSIGPIPE
        // Under the lock: a close() that comes first makes start() refuse, so nothing is spawned
        // after the connection was closed (stop() may close a connection that is still starting).
        try phase.withLock { phase throws(MCPError) in
            guard phase == .idle else { throw .transport("the connection was closed before it started") }
            guard mcp_pipe_cloexec(&wake, 1) == 0 else { throw MCPError(.spawnFailed, "cannot create a pipe: \(String(cString: strerror(errno)))") }
            let process: ChildProcess
            do throws(MCPError) {
                process = try ChildProcess.spawn(executable: launch.executable, arguments: launch.arguments,
                                                 environment: launch.environment, directory: launch.directory)
            } catch {
                wake.forEach { Glibc.close($0) }
                throw error
            }
            guard let thread = JoinableThread(name: "mcp-stdio", { [self] in
                run(process, handler)
                finished.signal()
            }) else {
                process.stop(grace: 0)
                _ = process.reap()
                wake.forEach { Glibc.close($0) }
                throw MCPError(.spawnFailed, "cannot start a reader thread")
            }
            (child, self.thread) = (process, thread)
            phase = .running
        }
    }

    func send(_ message: OutgoingMessage) throws(MCPError) {
        guard let child else { throw .transport("not started") }
        var line = [UInt8](message.body)
        line.append(UInt8(ascii: "\n"))
        let failure: MCPError? = output.withLock { output in
            if let broken = output.broken { return .transport(broken) }
            if !output.queued.isEmpty {
                guard output.queued.count + line.count <= maxQueuedBytes else {
                    return MCPError(.busy, "the server is not reading its stdin (\(output.queued.count) bytes queued)")
                }
                output.queued.append(contentsOf: line)
                return nil
            }
            let written = line.withUnsafeBytes { write(child.stdinFD, $0.baseAddress, $0.count) }
            if written == line.count { return nil }
            if written < 0 && errno != EAGAIN {
                output.broken = "cannot write to the server's stdin: \(String(cString: strerror(errno)))"
                return .transport(output.broken ?? "")
            }
            output.queued.append(contentsOf: line[max(written, 0)...])
            return nil
        }
        if let failure { throw failure }
        if output.withLock({ !$0.queued.isEmpty }) { poke() }
    }

    func abandon(_ id: RequestID) {}

    func established(_ session: SessionInfo) {}

    func resetSession() {}

    /// The stop sequence (close stdin, wait, SIGTERM, wait, SIGKILL), then drain and reap.
    func close() -> String {
        let wasRunning = phase.withLock { phase -> Bool in
            defer { phase = .closed }
            return phase == .running
        }
        guard wasRunning, let child else { return "not started" }
        output.withLock { output in  // no write may race the closing of stdin
            output.broken = "the connection is closing"
            output.queued = []
            child.closeStdin()
        }
        child.stop(grace: grace)
        if finished.wait(timeout: .now() + 1) == .timedOut {  // pipes held open by something outside its group
            stopping.store(true, ordering: .releasing)
            poke()
        }
        thread?.join()
        wake.forEach { Glibc.close($0) }
        return child.reap()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake[1], &byte, 1)
    }

    /// The I/O loop: until stdout and stderr both end, or `close()` gives up waiting for that.
    private func run(_ process: ChildProcess, _ handler: @Sendable (TransportEvent) -> Void) {
        var lines = LineBuffer(maxLineBytes: maxMessageBytes)
        var logLines = LineBuffer(maxLineBytes: Self.maxStderrLine)
        var stdoutOpen = true, stderrOpen = true
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while (stdoutOpen || stderrOpen) && !stopping.load(ordering: .acquiring) {
            let wantsOut = output.withLock { !$0.queued.isEmpty && $0.broken == nil }
            var fds = [pollfd(fd: wake[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stdoutOpen ? process.stdoutFD : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stderrOpen ? process.stderrFD : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wantsOut ? process.stdinFD : -1, events: Int16(POLLOUT), revents: 0)]
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { break }
            if fds[0].revents != 0 { while read(wake[0], &buffer, buffer.count) > 0 {} }
            if fds[3].revents != 0 { flush(process) }
            if stdoutOpen, fds[1].revents != 0 {
                stdoutOpen = drain(process.stdoutFD, &buffer) { chunk in
                    for item in lines.append(chunk) { deliver(item, handler) }
                }
            }
            if stderrOpen, fds[2].revents != 0 {
                stderrOpen = drain(process.stderrFD, &buffer) { chunk in
                    for item in logLines.append(chunk) {
                        switch item {
                        case .line(let bytes): handler(.stderr(String(decoding: bytes, as: UTF8.self)))
                        case .tooLong(let count): handler(.stderr("(a stderr line of \(count) bytes was dropped)"))
                        }
                    }
                }
            }
        }
        output.withLock { $0.broken = $0.broken ?? "the server has stopped" }
        handler(.closed(stdoutOpen ? "the connection was closed" : "the server closed its stdout"))
    }

    private func deliver(_ item: LineBuffer.Item, _ handler: @Sendable (TransportEvent) -> Void) {
        switch item {
        case .line(let bytes):
            do throws(JSONRPC.DecodingFailure) {
                for message in try JSONRPC.decode(bytes) { handler(.message(message)) }
            } catch {
                handler(.garbage(String(decoding: bytes.prefix(200), as: UTF8.self)))
            }
        case .tooLong(let count):
            handler(.garbage("(a message of \(count) bytes, over max_message_bytes \(maxMessageBytes), was dropped)"))
        }
    }

    /// Reads what is available; returns false at end of file or on an error.
    private func drain(_ fd: Int32, _ buffer: inout [UInt8], _ take: (UnsafeRawBufferPointer) -> Void) -> Bool {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.withUnsafeBytes { take(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return true }
            return false
        }
    }

    /// Writes queued output while stdin has room.
    private func flush(_ process: ChildProcess) {
        output.withLock { output in
            guard !output.queued.isEmpty, output.broken == nil else { return }
            let written = output.queued.withUnsafeBytes { write(process.stdinFD, $0.baseAddress, $0.count) }
            if written > 0 {
                output.queued.removeFirst(written)  // one shift per pipe-full (64 KiB), bounded by maxQueuedBytes
            } else if written < 0 && errno != EAGAIN && errno != EINTR {
                output.broken = "cannot write to the server's stdin: \(String(cString: strerror(errno)))"
                output.queued = []
            }
        }
    }
}
