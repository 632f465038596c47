import PluginABI
import Synchronization

/// A failed operation of a component, as its terminal event reported it.
struct OperationFailure: Error, Sendable {
    var code: String
    var message: String
    var status: Int32 = SB_ERR_IO
    var details: String = ""

    init(code: String, message: String, status: Int32 = SB_ERR_IO, details: String = "") {
        (self.code, self.message, self.status, self.details) = (code, message, status, details)
    }

    init(_ error: ComponentError) {
        let name = StatusName.of(error.status)
        let word = name.hasPrefix("SB_ERR_") ? String(name.dropFirst(7)).lowercased() : name.lowercased()
        self.init(code: error.status == SB_ERR_INVALID ? "invalid_request" : word, message: error.message, status: error.status)
    }
}

/// Runs one operation of a component to its terminal event and returns the `DONE` data.
/// Unlike `ComponentInstance.start(op:request:)` it is not tied to task cancellation: writes the
/// orchestrator starts (the end of a cancelled turn, above all) always complete.
final class ComponentCall: EventForwarder {
    private struct State {
        var continuation: CheckedContinuation<Result<String, OperationFailure>, Never>?
        var result: Result<String, OperationFailure>?
    }
    private let state = Mutex(State())
    private let timedOut = Atomic<Bool>(false)
    private let onEvent: (@Sendable (PluginEvent) -> Void)?

    private init(onEvent: (@Sendable (PluginEvent) -> Void)?) { self.onEvent = onEvent }

    /// - Parameters:
    ///   - onEvent: sees each non-terminal event (tool progress, for instance).
    ///   - cancellable: whether cancelling the calling task cancels the operation (tool calls);
    ///     writes leave it false so they complete even when their turn is cancelled.
    ///   - deadline: the operation is cancelled after this long and fails with `timeout`.
    static func run(_ instance: ComponentInstance, op: String, request: JSONValue,
                    onEvent: (@Sendable (PluginEvent) -> Void)? = nil, cancellable: Bool = false,
                    deadline: Duration? = nil) async -> Result<String, OperationFailure> {
        let call = ComponentCall(onEvent: onEvent)
        let started = ContinuousClock.now
        defer {
            if instance.kind == .store {
                instance.context.services.metrics.observe("switchboard_store_operation_seconds", "op=\"\(op)\"", seconds: (ContinuousClock.now - started).seconds)
            }
        }
        let handle: UInt64
        do throws(ComponentError) { handle = try instance.start(op: op, request: request.jsonText, forwardingTo: call) } catch {
            return .failure(OperationFailure(error))
        }
        let timer = deadline.map { deadline in
            Task {
                guard (try? await Task.sleep(for: deadline)) != nil else { return }
                call.timedOut.store(true, ordering: .releasing)
                instance.cancel(handle)
            }
        }
        defer { timer?.cancel() }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = call.state.withLock { state -> Result<String, OperationFailure>? in
                    if let result = state.result { return result }
                    state.continuation = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            if cancellable { instance.cancel(handle) }
        }
        if case .failure(let failure) = result, failure.code == "cancelled", call.timedOut.load(ordering: .acquiring), let deadline {
            return .failure(OperationFailure(code: "timeout", message: "no answer within \(deadline)", status: SB_ERR_TIMEOUT))
        }
        return result
    }

    /// Like `run`, parsing the result as a JSON object.
    static func json(_ instance: ComponentInstance, op: String, request: JSONValue) async -> Result<JSONValue, OperationFailure> {
        switch await run(instance, op: op, request: request) {
        case .failure(let failure): return .failure(failure)
        case .success(let text):
            guard !text.isEmpty else { return .success(.object([:])) }
            guard let value = try? JSONValue.parse(text) else {
                return .failure(OperationFailure(code: "invalid_result", message: "'\(instance.name)' answered \(op) with invalid JSON"))
            }
            return .success(value)
        }
    }

    /// Starts an operation whose result nobody waits for; a failure is logged.
    static func fireAndForget(_ instance: ComponentInstance, op: String, request: JSONValue, logger: Logger) {
        let name = instance.name
        do throws(ComponentError) {
            _ = try instance.start(op: op, request: request.jsonText, forwardingTo: FailureLogger(logger: logger, what: "\(name) \(op)"))
        } catch {
            logger.error("chat", "\(name) \(op) refused: \(error.message)")
        }
    }

    func forward(_ event: UnsafePointer<sb_event>) -> sb_status {
        let kind = event.pointee.kind
        guard kind >= UInt32(SB_EVENT_DONE) else {
            if let onEvent, let copy = PluginEvent(event) { onEvent(copy) }
            return SB_OK
        }
        let result: Result<String, OperationFailure>
        switch Int32(kind) {
        case SB_EVENT_DONE: result = .success(String(slice: event.pointee.data))
        case SB_EVENT_CANCELLED: result = .failure(OperationFailure(code: "cancelled", message: "the operation was cancelled", status: SB_ERR_CANCELLED))
        default:
            result = .failure(OperationFailure(code: String(slice: event.pointee.name).nonEmpty ?? "error", message: String(slice: event.pointee.text),
                                               status: event.pointee.status, details: String(slice: event.pointee.data)))
        }
        let waiter = state.withLock { state -> CheckedContinuation<Result<String, OperationFailure>, Never>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.continuation = nil }
            return state.continuation
        }
        waiter?.resume(returning: result)
        return SB_OK
    }
}

/// Consumes the events of a fire-and-forget operation, logging a failure.
private final class FailureLogger: EventForwarder {
    let logger: Logger
    let what: String
    init(logger: Logger, what: String) { (self.logger, self.what) = (logger, what) }

    func forward(_ event: UnsafePointer<sb_event>) -> sb_status {
        if event.pointee.kind == UInt32(SB_EVENT_ERROR) {
            logger.error("chat", "\(what) failed: \(String(slice: event.pointee.name)): \(String(slice: event.pointee.text))")
        }
        return SB_OK
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
