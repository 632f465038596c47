import Synchronization

/// One turn at a time per conversation: later requests wait in a bounded queue (or are refused,
/// by policy) and start in arrival order.
final class ConversationGate: Sendable {
    enum Refusal: Error { case busy(queued: Int), cancelled }

    private struct Waiter { let id: UInt64; let continuation: CheckedContinuation<Bool, Never> }
    private struct Line { var waiters: [Waiter] = [] }
    private let lines = Mutex<[String: Line]>([:])
    private let nextWaiter = Atomic<UInt64>(1)

    /// Waits until `conversation` is free and takes it.
    /// - Throws: `.busy` when the policy refuses to wait or the queue is full; `.cancelled` when
    ///   the task is cancelled while waiting.
    func acquire(_ conversation: String, policy: ChatSettings.BusyPolicy, maxQueued: Int) async throws(Refusal) {
        let id = nextWaiter.wrappingAdd(1, ordering: .relaxed).oldValue
        let entered: Bool = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate: Bool? = lines.withLock { lines in
                    guard var line = lines[conversation] else {
                        lines[conversation] = Line()  // taken, nobody waiting
                        return true
                    }
                    guard policy == .queue, line.waiters.count < maxQueued, !Task.isCancelled else { return false }
                    line.waiters.append(Waiter(id: id, continuation: continuation))
                    lines[conversation] = line
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter: Waiter? = lines.withLock { lines in
                guard let position = lines[conversation]?.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return lines[conversation]?.waiters.remove(at: position)
            }
            waiter?.continuation.resume(returning: false)
        }
        if entered { return }
        if Task.isCancelled { throw .cancelled }
        throw .busy(queued: lines.withLock { $0[conversation]?.waiters.count ?? 0 })
    }

    /// Frees `conversation`, starting the next waiting request if any.
    func release(_ conversation: String) {
        let next: Waiter? = lines.withLock { lines in
            guard var line = lines[conversation] else { return nil }
            guard !line.waiters.isEmpty else {
                lines[conversation] = nil
                return nil
            }
            let next = line.waiters.removeFirst()
            lines[conversation] = line
            return next
        }
        next?.continuation.resume(returning: true)
    }
}
