import Foundation
import Glibc
import MCPSystem
import Synchronization

/// A child process whose stdin, stdout and stderr are pipes to this process, in its own process
/// group (so signals reach anything it starts, and the terminal's Ctrl-C reaches only the host).
///
/// Spawned with `posix_spawn`: the environment is exactly the one given (never the host's),
/// signal dispositions and mask are reset to defaults, and only fds 0-2 are inherited (every
/// pipe end is close-on-exec). The owner must end it with `stop(grace:)` and `reap()`, so no
/// zombie is left. Thread-safe: signals and waits may come from any thread.
final class ChildProcess: Sendable {
    let pid: pid_t
    /// Write end of the child's stdin (non-blocking).
    let stdinFD: Int32
    /// Read ends of its stdout and stderr (non-blocking).
    let stdoutFD: Int32
    let stderrFD: Int32
    private let stdinClosed = Atomic<Bool>(false)

    private init(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32) {
        (self.pid, stdinFD, stdoutFD, stderrFD) = (pid, stdin, stdout, stderr)
    }

    /// Starts `executable` (an absolute path, see `resolve`).
    /// - Throws: `MCPError` (`.spawnFailed`) with the system's reason.
    static func spawn(executable: String, arguments: [String], environment: [String: String], directory: String?) throws(MCPError) -> ChildProcess {
        var pipes: [[Int32]] = []
        for _ in 0..<3 {
            var ends: [Int32] = [-1, -1]
            guard mcp_pipe_cloexec(&ends, 0) == 0 else {
                pipes.flatMap { $0 }.forEach { close($0) }
                throw MCPError(.spawnFailed, "cannot create a pipe: \(String(cString: strerror(errno)))")
            }
            pipes.append(ends)
        }
        let (stdin, stdout, stderr) = (pipes[0], pipes[1], pipes[2])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdout[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderr[1], 2)
        mcp_spawn_addclosefrom(&actions, 3)  // nothing of the host's but 0-2 reaches the server
        if let directory { mcp_spawn_addchdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)  // SIGPIPE ignored by the host is default again
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        [stdin[0], stdout[1], stderr[1]].forEach { close($0) }
        guard status == 0 else {
            [stdin[1], stdout[0], stderr[0]].forEach { close($0) }
            throw MCPError(.spawnFailed, "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        for fd in [stdin[1], stdout[0], stderr[0]] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return ChildProcess(pid: pid, stdin: stdin[1], stdout: stdout[0], stderr: stderr[0])
    }

    /// The executable a command names: a path (relative to `directory`) or the first match on `searchPath`.
    /// - Returns: nil when nothing executable is found.
    static func resolve(command: String, searchPath: String, directory: String?) -> String? {
        let base = directory ?? FileManager.default.currentDirectoryPath
        if command.contains("/") {
            let path = command.hasPrefix("/") ? command : base + "/" + command
            return access(path, X_OK) == 0 ? path : nil
        }
        for entry in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let folder = entry.hasPrefix("/") ? String(entry) : base + "/" + entry
            let candidate = folder + "/" + command
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// Sends `signal` to the child's process group (the child and whatever it started).
    func signalGroup(_ signal: Int32) { _ = kill(-pid, signal) }

    /// Whether the child has exited, without reaping it (so its pid and group stay reserved).
    func hasExited() -> Bool {
        var info = siginfo_t()
        return waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info._sifields._sigchld.si_pid == pid
    }

    /// Waits up to `seconds` for the child to exit (without reaping it).
    func waitForExit(seconds: Double) -> Bool {
        let deadline = Monotonic.now + seconds
        while !hasExited() {
            guard Monotonic.now < deadline else { return false }
            usleep(5_000)
        }
        return true
    }

    /// Closes the child's stdin (once): the polite stop for a stdio server.
    func closeStdin() {
        guard !stdinClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        close(stdinFD)
    }

    /// The stop sequence: close stdin, wait `grace`, SIGTERM, wait `grace`, SIGKILL. Does not
    /// reap (call `reap()` after the pipes are drained). Blocks up to about twice `grace`.
    func stop(grace: Double) {
        closeStdin()
        guard !waitForExit(seconds: grace) else { return }
        signalGroup(SIGTERM)
        guard !waitForExit(seconds: grace) else { return }
        signalGroup(SIGKILL)
    }

    /// Reaps the child, blocking until it exits, after SIGKILL to anything left in its group
    /// (the unreaped child still reserves the group id); closes the read ends. Call once, after
    /// the reader has stopped using them.
    /// - Returns: how it ended, e.g. "exited with status 0" or "was killed by SIGKILL".
    func reap() -> String {
        closeStdin()
        if hasExited() { signalGroup(SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        [stdoutFD, stderrFD].forEach { close($0) }
        return Self.describe(status: status)
    }

    static func describe(status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        let names: [Int32: String] = [SIGTERM: "SIGTERM", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGABRT: "SIGABRT",
                                      SIGINT: "SIGINT", SIGPIPE: "SIGPIPE", SIGHUP: "SIGHUP", SIGBUS: "SIGBUS"]
        return "was killed by \(names[signal] ?? "signal \(signal)")"
    }
}

/// Seconds on the monotonic clock (immune to wall-clock changes).
enum Monotonic {
    static var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
