import Glibc
import MCPSystem

/// A pthread running one closure, which its owner joins: shutdown can then promise that no
/// thread of a stopped component is still running (Foundation's `Thread` cannot be joined).
///
/// Threading: `join()` once, from a thread other than this one.
final class JoinableThread: @unchecked Sendable {  // `thread` is written once before any join
    private var thread = pthread_t()
    private let started: Bool

    /// Starts `body` on a new thread named `name` (at most 15 characters are kept).
    /// - Returns: nil when the system refuses a new thread (the closure then never runs).
    init?(name: String, _ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; let name: String; init(_ b: @escaping @Sendable () -> Void, _ n: String) { body = b; name = n } }
        let box = Unmanaged.passRetained(Box(body, name)).toOpaque()
        var created = pthread_t()
        let status = pthread_create(&created, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            mcp_set_thread_name(box.name)
            box.body()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            return nil
        }
        thread = created
        started = true
    }

    /// Waits until the closure has returned.
    func join() {
        guard started else { return }
        pthread_join(thread, nil)
    }
}
