import PluginABI
import Synchronization

/// The active provider and its fallbacks (`active.fallbacks`), tried in order: when a candidate
/// fails before anything of its reply has streamed, the next one starts (with its own model, if
/// the fallback names one) and the client never sees the failure. Once a reply has begun, its
/// errors pass through unchanged, because a second model would contradict what the client read.
///
/// The list can be replaced while requests run (`replaceCandidates`, on a configuration reload):
/// each request keeps the list it started with, new ones use the new list.
public final class ProviderChain: Sendable {
    public struct Candidate: Sendable {
        public let instance: ComponentInstance
        /// The model this candidate is tried with (a fallback's own), overriding the request's.
        public let model: String?
        /// The model the provider uses when a request names none (its config block's `model`).
        public let defaultModel: String?
        public init(instance: ComponentInstance, model: String? = nil, defaultModel: String? = nil) {
            (self.instance, self.model, self.defaultModel) = (instance, model, defaultModel)
        }
    }

    private let current: Mutex<[Candidate]>
    private let logger: Logger
    private let calls = Mutex<[UInt64: ChainedCall]>([:])
    private let nextHandle = Atomic<UInt64>(1)

    public init(candidates: [Candidate], logger: Logger) {
        self.current = Mutex(candidates)
        self.logger = logger
    }

    /// The list new requests use.
    public var candidates: [Candidate] { current.withLock { $0 } }

    /// Makes `candidates` the list for every request started from now on; running ones keep theirs.
    public func replaceCandidates(_ candidates: [Candidate]) { current.withLock { $0 = candidates } }

    /// Starts a chat request; events go to `sink`. Returns a handle for `cancel`.
    /// - Parameter onSelect: told which candidate serves the request (again after each fallback), before its events.
    /// - Throws: `ComponentError` when no candidate accepts the request at all.
    public func start(request: String, sink: any EventForwarder,
                      onSelect: @escaping @Sendable (Candidate) -> Void = { _ in }) throws(ComponentError) -> UInt64 {
        let candidates = self.candidates
        guard !candidates.isEmpty else { throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "no provider is active") }
        let handle = nextHandle.wrappingAdd(1, ordering: .relaxed).oldValue
        let call = ChainedCall(chain: self, candidates: candidates, request: request, sink: sink, onSelect: onSelect,
                               onEnd: { [weak self] in _ = self?.calls.withLock { $0.removeValue(forKey: handle) } })
        calls.withLock { $0[handle] = call }
        do throws(ComponentError) { try call.start(at: 0) } catch {
            calls.withLock { _ = $0.removeValue(forKey: handle) }
            throw error
        }
        return handle
    }

    public func cancel(_ handle: UInt64) { calls.withLock { $0[handle] }?.cancel() }

    func note(_ message: String) { logger.warn("host", message) }
}

/// One request going down the chain. Sits between the provider's events and the client's sink.
final class ChainedCall: EventForwarder {
    private struct State { var index = 0; var handle: UInt64 = 0; var streamed = false; var cancelled = false }
    private let state = Mutex(State())
    private let chain: ProviderChain
    /// The chain's list when this request started: a reload never changes a running request.
    private let candidates: [ProviderChain.Candidate]
    private let request: String
    private let sink: any EventForwarder
    private let onSelect: @Sendable (ProviderChain.Candidate) -> Void
    private let onEnd: @Sendable () -> Void

    init(chain: ProviderChain, candidates: [ProviderChain.Candidate], request: String, sink: any EventForwarder,
         onSelect: @escaping @Sendable (ProviderChain.Candidate) -> Void, onEnd: @escaping @Sendable () -> Void) {
        (self.chain, self.candidates, self.request, self.sink, self.onSelect, self.onEnd) = (chain, candidates, request, sink, onSelect, onEnd)
    }

    /// Starts candidate `index`, skipping candidates that refuse at once (circuit open, bad request for that model).
    func start(at index: Int) throws(ComponentError) {
        var index = index
        while true {
            let candidate = candidates[index]
            do throws(ComponentError) {
                state.withLock { $0.index = index }
                onSelect(candidate)
                let handle = try candidate.instance.start(op: "chat", request: Self.request(request, model: candidate.model), forwardingTo: self)
                state.withLock { $0.handle = handle }
                return
            } catch {
                guard index + 1 < candidates.count else { throw error }
                chain.note("provider '\(candidate.instance.name)' refused the request (\(error.message)); trying '\(candidates[index + 1].instance.name)'")
                index += 1
            }
        }
    }

    func forward(_ event: UnsafePointer<sb_event>) -> sb_status {
        let kind = event.pointee.kind
        if kind == UInt32(SB_EVENT_ERROR) {
            let (index, streamed, cancelled) = state.withLock { ($0.index, $0.streamed, $0.cancelled) }
            if !streamed && !cancelled && index + 1 < candidates.count {
                chain.note("provider '\(candidates[index].instance.name)' failed before streaming (\(String(slice: event.pointee.name)): "
                           + "\(String(slice: event.pointee.text))); trying '\(candidates[index + 1].instance.name)'")
                do throws(ComponentError) { try start(at: index + 1); return SB_OK } catch {
                    // Every remaining candidate refused: report this (the last real) failure.
                }
            }
        } else if kind < UInt32(SB_EVENT_DONE) {
            state.withLock { $0.streamed = true }
        }
        let status = sink.forward(event)
        if kind >= UInt32(SB_EVENT_DONE) { onEnd() }
        return status
    }

    func cancel() {
        let (index, handle) = state.withLock { state in
            state.cancelled = true
            return (state.index, state.handle)
        }
        candidates[index].instance.cancel(handle)
    }

    /// The request with the fallback's model, when it names one.
    static func request(_ request: String, model: String?) -> String {
        guard let model, case .object(var fields)? = try? JSONValue.parse(request) else { return request }
        fields["model"] = .string(model)
        return JSONValue.object(fields).jsonText
    }
}
