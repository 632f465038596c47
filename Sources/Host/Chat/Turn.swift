import PluginABI
import Synchronization

/// A transport's view of a turn: one `submit` (the chat itself, a repeat of its request id, or
/// a `resume`), with the sink its events go to.
final class TurnWatcher: Sendable {
    let handle: UInt64
    let sink: PluginEventSink
    /// Set by `cancel`: no more events but the terminal one, which the turn delivers.
    let detached = Atomic<Bool>(false)

    init(handle: UInt64, sink: PluginEventSink) { (self.handle, self.sink) = (handle, sink) }
}

/// One chat turn's event log and the watchers it fans out to. Every event gets the next
/// sequence number (in `index`), is kept for `resume` and repeated request ids, and is delivered
/// to each watcher in order. Delivery happens under the lock so all watchers see one order;
/// nothing that calls back into the orchestrator runs under it (cancel and attach are async).
final class Turn: Sendable {
    struct Key: Hashable, Sendable { let owner: String; let requestID: String }

    private struct State {
        var log: [PluginEvent] = []
        var loggedBytes = 0
        /// Sequence numbers of the first kept event (earlier ones were dropped to stay bounded).
        var firstKept: Int64 = 1
        var seq: Int64 = 0
        var watchers: [TurnWatcher] = []
        var terminal: PluginEvent?
    }

    /// A turn's log stops growing past this; `resume` before the kept part then fails.
    static let maxLoggedBytes = 8 << 20

    let key: Key
    let conversationID: String
    private let state = Mutex(State())
    private let runner = Mutex<Task<Void, Never>?>(nil)
    let finishedAt = Atomic<UInt64>(0)

    init(key: Key, conversationID: String) { (self.key, self.conversationID) = (key, conversationID) }

    var isFinished: Bool { state.withLock { $0.terminal != nil } }

    /// The task running the turn; cancelling the turn cancels it.
    func setRunner(_ task: Task<Void, Never>) { runner.withLock { $0 = task } }

    /// Stops the turn: the provider stream and running tools end, and the runner finishes with CANCELLED.
    func cancel() { runner.withLock { $0 }?.cancel() }

    /// Logs and delivers a non-terminal event; returns its sequence number.
    @discardableResult
    func emit(_ event: PluginEvent) -> Int64 {
        state.withLock { state in
            state.seq += 1
            var event = event
            event.index = state.seq
            Self.keep(event, in: &state)
            for watcher in state.watchers where !watcher.detached.load(ordering: .relaxed) {
                if !watcher.sink.send(event) { watcher.detached.store(true, ordering: .relaxed) }
            }
            return state.seq
        }
    }

    /// Ends the turn with its terminal event, delivered to every watcher (detached ones get CANCELLED).
    func finish(_ terminal: PluginEvent, now: UInt64) {
        state.withLock { state in
            guard state.terminal == nil else { return }
            state.seq += 1
            var terminal = terminal
            terminal.index = state.seq
            state.terminal = terminal
            for watcher in state.watchers {
                watcher.sink.send(watcher.detached.load(ordering: .relaxed) ? PluginEvent(kind: .cancelled, index: state.seq) : terminal)
            }
            state.watchers.removeAll()
        }
        finishedAt.store(now, ordering: .releasing)
    }

    /// Adds a watcher: replays the kept events after `afterSeq`, then it receives live ones.
    /// - Returns: false (and delivers nothing) when events it needs were dropped.
    func attach(_ watcher: TurnWatcher, after afterSeq: Int64) -> Bool {
        state.withLock { state in
            guard afterSeq + 1 >= state.firstKept else { return false }
            for event in state.log where event.index > afterSeq {
                if !watcher.sink.send(event) { watcher.detached.store(true, ordering: .relaxed) }
            }
            if let terminal = state.terminal {
                watcher.sink.send(watcher.detached.load(ordering: .relaxed) ? PluginEvent(kind: .cancelled, index: terminal.index) : terminal)
            } else {
                state.watchers.append(watcher)
            }
            return true
        }
    }

    /// Removes a watcher, ending it with CANCELLED, unless it is the last one: then it stays to
    /// receive the turn's own terminal event, which comes once what streamed is stored.
    /// - Returns: false when the watcher was the last (the caller then cancels the turn).
    func detach(handle: UInt64) -> Bool {
        state.withLock { state in
            guard let position = state.watchers.firstIndex(where: { $0.handle == handle }) else { return true }
            guard state.watchers.count > 1 else {
                state.watchers[position].detached.store(false, ordering: .relaxed)
                return false
            }
            let watcher = state.watchers.remove(at: position)
            watcher.sink.send(PluginEvent(kind: .cancelled, index: state.seq))
            return true
        }
    }

    private static func keep(_ event: PluginEvent, in state: inout State) {
        let size = event.text.utf8.count + event.data.utf8.count + event.id.utf8.count + event.name.utf8.count + 48
        state.log.append(event)
        state.loggedBytes += size
        // Bounded: drop the oldest quarter at a time; a resume that needs them is refused.
        guard state.loggedBytes > maxLoggedBytes, state.log.count > 1 else { return }
        let dropped = state.log.prefix(max(1, state.log.count / 4))
        state.loggedBytes -= dropped.reduce(0) { $0 + $1.text.utf8.count + $1.data.utf8.count + $1.id.utf8.count + $1.name.utf8.count + 48 }
        state.firstKept = dropped.last!.index + 1
        state.log.removeFirst(dropped.count)
    }
}
