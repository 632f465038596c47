import CurlHTTP
import Foundation
import JSONSupport
import PluginKit
import ProviderCore
import Synchronization

/// One chat operation from admission to its terminal event: waits for the outbound limits,
/// asks the circuit breaker, sends the request, retries failures that happen before the first
/// streamed byte, and streams decoded events to the host. Thread-safe: transfer callbacks run on
/// the multi thread, cancel and retry timers on others.
final class ChatCall: @unchecked Sendable {  // mutable state is guarded by `state`
    private struct State {
        var attempt = 0
        var transfer: UInt64?
        var decoder: ChatStreamDecoder
        var status = 0
        var streaming = false        // a 200 response began: no more retries
        var errorBody: [UInt8] = []  // a non-200 body, bounded
        var retryAfter: Double?
        var finished = false
        var drainsRest = false       // the reply ended with done: read the body's rest (see `drainRest`)
        var bytesAfterEnd = 0
    }

    static let maxErrorBody = 64 * 1024
    static let maxResponseBody = 16 * 1024 * 1024
    /// After `done`, how much more body is read, and for how long, before the transfer is cut off.
    static let maxBytesAfterDone = 64 * 1024
    static let lingerAfterDone = 2.0

    private let operation: PluginKit.Operation
    private let client: ProviderClient
    private let settings: ProviderSettings  // the configuration this call started with
    private let request: HTTPRequest
    private let configuration: ChatResponseConfiguration
    private let streamed: Bool
    private let state: Mutex<State>
    /// Events decoded from one network read, delivered outside the lock (a consumer may cancel
    /// from inside its callback). Reused, so a read costs no allocation; touched only in
    /// `receive`, which runs on the multi thread, one read at a time.
    private var decoded: [ProviderEvent] = []

    init(operation: PluginKit.Operation, client: ProviderClient, settings: ProviderSettings, request: HTTPRequest, streamed: Bool,
         configuration: ChatResponseConfiguration) {
        self.operation = operation
        self.client = client
        self.settings = settings
        self.configuration = configuration
        self.request = request
        self.streamed = streamed
        state = Mutex(State(decoder: ChatStreamDecoder(configuration: configuration)))
    }

    /// Begins the first attempt (the limiter calls this when the request is admitted).
    func begin() {
        operation.onCancel { [self] in
            let (transfer, wasFinished) = state.withLock { state in
                defer { state.finished = true }
                return (state.transfer, state.finished)
            }
            guard !wasFinished else { return }
            if let transfer { client.multi.cancel(transfer) }  // stops the transfer at once and frees it
            client.release(success: nil)
        }
        attempt()
    }

    private func attempt() {
        guard client.breaker.allowRequest() else {
            return end(.error(ProviderError(code: "circuit_open", message: "\(client.profile.name) is failing; the circuit breaker is open", retryable: true)),
                       success: nil)
        }
        let handlers = TransferHandlers(
            head: { [self] status, headers in
                state.withLock { state in
                    state.status = status
                    state.streaming = status == 200
                    state.retryAfter = RetryPolicy.retryAfterSeconds(headers["retry-after"])
                }
            },
            body: { [self] bytes in receive(bytes) },
            end: { [self] failure in transferEnded(failure) })
        let started: Bool = state.withLock { state in
            guard !state.finished else { return false }
            state.attempt += 1
            state.status = 0
            state.errorBody = []
            state.transfer = client.multi.start(request, handlers: handlers)
            return state.transfer != nil
        }
        if !started && !operation.isFinished {
            end(.error(ProviderError(code: "internal", message: "cannot start an HTTP transfer", retryable: true)), success: false)
        }
    }

    /// Body bytes, on the multi thread. Returns false to abort the transfer.
    private func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var events: [ProviderEvent] = []
        swap(&events, &decoded)
        defer {
            events.removeAll(keepingCapacity: true)
            swap(&events, &decoded)
        }
        let keepGoing: Bool = state.withLock { state in
            guard !state.finished else {
                state.bytesAfterEnd += bytes.count
                return state.drainsRest && state.bytesAfterEnd <= Self.maxBytesAfterDone
            }
            guard state.status == 200 else {
                if state.errorBody.count < Self.maxErrorBody { state.errorBody += bytes.prefix(Self.maxErrorBody - state.errorBody.count) }
                return true
            }
            if streamed {
                state.decoder.feed(bytes, into: &events)
            } else if state.errorBody.count + bytes.count <= Self.maxResponseBody {
                state.errorBody += bytes  // the whole JSON body, decoded at the end
            } else {
                return false
            }
            return true
        }
        guard keepGoing else { return false }
        for event in events {
            if event.isTerminal {
                let succeeded = !isFailure(event)
                if succeeded { drainRest() }
                end(event, success: succeeded)
                return succeeded
            }
            guard EventEmitter.emit(event, on: operation) else { return false }
        }
        return true
    }

    /// After `done`, the rest of the body (normally just the end of the chunked encoding) is read
    /// rather than aborted: an aborted HTTP/1.1 transfer closes its connection, so every reply
    /// cost a new connection (and TLS handshake). A server that keeps the body open past
    /// `lingerAfterDone` seconds, or sends more than `maxBytesAfterDone`, is cut off.
    private func drainRest() {
        state.withLock { $0.drainsRest = true }
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.lingerAfterDone) { [self] in
            if let transfer = state.withLock({ $0.transfer }) { client.multi.cancel(transfer) }
        }
    }

    private func transferEnded(_ failure: TransferFailure?) {
        let (status, streaming, attempt, body, retryAfter, finished) = state.withLock { state in
            state.transfer = nil
            return (state.status, state.streaming, state.attempt, state.errorBody, state.retryAfter, state.finished)
        }
        guard !finished else { return }
        if let failure {
            if failure.kind == .cancelled || failure.kind == .aborted { return }
            let error = ProviderError(code: failure.kind == .timeout ? "timeout" : failure.kind == .dropped ? "stream_dropped" : "connection_failed",
                                      message: "\(client.profile.name): \(failure.message)", retryable: !streaming)
            if !streaming, RetryPolicy.isRetryable(status: nil, failure: failure.kind), retry(after: attempt, retryAfter: nil) { return }
            var events: [ProviderEvent] = []
            state.withLock { $0.decoder.fail(with: error, into: &events) }
            return finishWith(events.isEmpty ? [.error(error)] : events)
        }
        if status == 200 {
            var events: [ProviderEvent] = []
            if streamed { state.withLock { $0.decoder.finish(into: &events) } }
            else { events = ChatCompletionResponse.events(fromBody: body, httpStatus: 200, configuration: configuration) }
            return finishWith(events)
        }
        if RetryPolicy.isRetryable(status: status, failure: nil), retry(after: attempt, retryAfter: retryAfter) { return }
        finishWith([.error(ChatCompletionResponse.error(fromBody: body, httpStatus: status))])
    }

    private func finishWith(_ events: [ProviderEvent]) {
        for event in events {
            if event.isTerminal { return end(event, success: !isFailure(event)) }
            guard EventEmitter.emit(event, on: operation) else { return }
        }
        end(.done, success: true)
    }

    /// Schedules the next attempt; false when the policy says give up.
    private func retry(after attempt: Int, retryAfter: Double?) -> Bool {
        guard let delay = settings.retry.delay(afterAttempt: attempt, retryAfter: retryAfter, random: Double.random(in: 0..<1)) else { return false }
        client.breaker.recordFailure()
        DispatchQueue.global().asyncAfter(deadline: .now() + delay) { [self] in
            guard !state.withLock({ $0.finished }) else { return }
            self.attempt()
        }
        return true
    }

    private func end(_ event: ProviderEvent, success: Bool?) {
        guard !state.withLock({ state in defer { state.finished = true }; return state.finished }) else { return }
        EventEmitter.finish(event, on: operation, apiKey: settings.apiKey)
        client.release(success: success)
    }

    private func isFailure(_ event: ProviderEvent) -> Bool { if case .error = event { return true } else { return false } }
}
