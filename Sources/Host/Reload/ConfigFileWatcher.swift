import Dispatch
import Foundation
import Glibc
import Synchronization

/// Watches configuration files with inotify and reports changes, debounced, on a thread of its
/// own (never Swift's cooperative pool).
///
/// It watches the files' FOLDERS, not the files: an editor that saves by writing a new file and
/// renaming it over the old one replaces the inode a file watch would be attached to, but the
/// rename is an event in the folder. Events for other names in those folders are ignored.
/// Changes that come in a burst (an editor's temporary file, write, rename) are reported once,
/// `debounce` after the last of them.
///
/// Threading: `watch` may be called from any thread; `start` and `stop` once each, by the owner.
/// `onChange` runs on the watcher thread and must return quickly.
public final class ConfigFileWatcher: Sendable {
    private struct Watches {
        var folders: [Int32: String] = [:]
        var files: Set<String> = []
    }

    private let inotify: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let watches = Mutex(Watches())
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let debounce: Double
    private let onChange: @Sendable (Set<String>) -> Void
    private let logger: Logger

    /// - Parameters:
    ///   - debounce: seconds of quiet after the last event before `onChange` runs.
    ///   - onChange: the watched files (absolute paths) that changed, created, moved or were removed.
    public init(debounce: Double = 0.1, logger: Logger, onChange: @escaping @Sendable (Set<String>) -> Void) {
        inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) != 0 { ends = [-1, -1] }
        for end in ends where end >= 0 { _ = fcntl(end, F_SETFD, FD_CLOEXEC); _ = fcntl(end, F_SETFL, O_NONBLOCK) }
        (wakeRead, wakeWrite) = (ends[0], ends[1])
        self.debounce = debounce
        self.logger = logger
        self.onChange = onChange
        if inotify < 0 { logger.error("config", "cannot watch the configuration files (inotify_init1: \(String(cString: strerror(errno)))); changes need a restart") }
    }

    /// Adds files to watch (absolute paths); their folders get a watch each.
    public func watch(_ files: [String]) {
        guard inotify >= 0 else { return }
        for file in files {
            let path = URL(fileURLWithPath: file).standardizedFileURL.path
            let folder = (path as NSString).deletingLastPathComponent
            let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB)
            let descriptor = inotify_add_watch(inotify, folder, mask)
            watches.withLock { watches in
                watches.files.insert(path)
                if descriptor >= 0 { watches.folders[descriptor] = folder }
            }
            if descriptor < 0 { logger.warn("config", "cannot watch \(folder) for changes to \(path): \(String(cString: strerror(errno)))") }
        }
    }

    /// Starts the watcher thread.
    public func start() {
        guard inotify >= 0 else { finished.signal(); return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "switchboard-config-watch"
        thread.start()
    }

    /// Stops the thread and waits for it; nothing is reported after this returns.
    public func stop() {
        guard !stopping.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        finished.wait()
        for fd in [inotify, wakeRead, wakeWrite] where fd >= 0 { close(fd) }
    }

    private func run() {
        var pending = Set<String>()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while !stopping.load(ordering: .acquiring) {
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            // Waiting for the first event: no timeout. Debouncing: wake after `debounce` of quiet.
            let ready = poll(&fds, 2, pending.isEmpty ? -1 : Int32(debounce * 1000))
            if stopping.load(ordering: .acquiring) { return }
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("config", "watching the configuration files failed (poll: \(String(cString: strerror(errno)))); changes need a restart")
                return
            }
            if ready == 0 {
                let changed = pending
                pending.removeAll()
                onChange(changed)
                continue
            }
            if fds[0].revents & Int16(POLLIN) != 0 { pending.formUnion(readEvents(&buffer)) }
        }
    }

    /// Drains the inotify descriptor; returns the watched files the events name.
    private func readEvents(_ buffer: inout [UInt8]) -> Set<String> {
        var changed = Set<String>()
        let header = MemoryLayout<inotify_event>.size
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            guard count > 0 else { return changed }
            let (folders, files) = watches.withLock { ($0.folders, $0.files) }
            var offset = 0
            while offset + header <= count {
                let (descriptor, nameLength) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, Int(event.len))
                }
                let nameBytes = buffer[(offset + header)..<min(offset + header + nameLength, count)].prefix { $0 != 0 }
                offset += header + nameLength
                guard let folder = folders[descriptor], !nameBytes.isEmpty else { continue }
                let path = folder + "/" + String(decoding: nameBytes, as: UTF8.self)
                if files.contains(path) { changed.insert(path) }
            }
        }
    }
}
