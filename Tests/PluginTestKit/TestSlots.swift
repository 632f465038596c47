import Synchronization

/// A counting semaphore for test tasks that never blocks a thread: at most `places` holders at
/// once (test servers are slow to start, and too many at once starve the 2 cores here).
public final class TestSlots: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state: Mutex<State>

    public init(_ places: Int) { state = Mutex(State(free: max(1, places))) }

    public func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                guard state.free > 0 else { state.waiting.append(continuation); return false }
                state.free -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else { state.free += 1; return nil }
            return state.waiting.removeFirst()  // the place passes straight to the next waiter
        }
        next?.resume()
    }
}
