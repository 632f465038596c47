import CCurl
import Foundation
import Synchronization

/// Runs many HTTP transfers on one thread with libcurl's multi interface: connections are
/// kept alive and reused, HTTP/2 is multiplexed when offered, TLS comes from the system libcurl.
///
/// Thread-safe: `start` and `cancel` may be called from any thread; they queue the change and
/// wake the loop (`curl_multi_wakeup`). Handlers run on the multi thread and must return quickly.
public final class CurlMulti: @unchecked Sendable {  // `multi` and `active` are touched only on its thread
    private struct Pending {
        var adds: [CurlTransfer] = []
        var cancels: [UInt64] = []
        var stopping = false
    }

    private let multi: UnsafeMutableRawPointer
    private let pending = Mutex(Pending())
    private var active: [UInt64: CurlTransfer] = [:]
    private let nextID = Atomic<UInt64>(1)
    private let stopped = DispatchSemaphore(value: 0)

    static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Returns nil when libcurl cannot create a multi handle (out of memory).
    public init?() {
        _ = Self.globalInit
        guard let multi = curl_multi_init() else { return nil }
        self.multi = multi
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        let thread = Thread { [self] in loop() }
        thread.name = "curl-multi"
        thread.start()
    }

    /// Starts a transfer. Returns its id for `cancel`, or nil when shutting down or libcurl
    /// cannot allocate (then `handlers.end` is not called).
    public func start(_ request: HTTPRequest, handlers: TransferHandlers) -> UInt64? {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        guard let transfer = CurlTransfer(id: id, request: request, handlers: handlers) else { return nil }
        let accepted = pending.withLock { state in
            guard !state.stopping else { return false }
            state.adds.append(transfer)
            return true
        }
        guard accepted else { return nil }
        curl_multi_wakeup(multi)
        return id
    }

    /// Stops a transfer at once; its `end` reports `.cancelled`. Unknown ids are ignored.
    public func cancel(_ id: UInt64) {
        pending.withLock { $0.cancels.append(id) }
        curl_multi_wakeup(multi)
    }

    /// Cancels every transfer and stops the thread; blocks until it has. Call once.
    public func shutdown() {
        pending.withLock { $0.stopping = true }
        curl_multi_wakeup(multi)
        stopped.wait()
        curl_multi_cleanup(multi)
    }

    private func loop() {
        var running: Int32 = 0
        while true {
            let changes = pending.withLock { state -> Pending in
                defer { state.adds = []; state.cancels = [] }
                return state
            }
            for transfer in changes.adds {
                active[transfer.id] = transfer
                curl_multi_add_handle(multi, transfer.handle)
            }
            let cancelled = changes.stopping ? Array(active.keys) : changes.cancels
            for id in cancelled { remove(id, result: nil) }
            if changes.stopping {
                for transfer in pending.withLock({ $0.adds }) { transfer.finish(nil) }  // added in the meantime
                stopped.signal()
                return
            }
            curl_multi_perform(multi, &running)
            var remaining: Int32 = 0
            while let message = curl_multi_info_read(multi, &remaining) {
                guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
                var privatePointer: UnsafeMutableRawPointer?
                _ = ccurl_easy_getinfo_ptr(handle, CURLINFO_PRIVATE, &privatePointer)
                guard let privatePointer else { continue }
                let transfer = Unmanaged<CurlTransfer>.fromOpaque(privatePointer).takeUnretainedValue()
                remove(transfer.id, result: message.pointee.data.result)
            }
            var ready: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1000, &ready)
        }
    }

    /// Detaches a transfer and reports its end; nil result means cancelled.
    private func remove(_ id: UInt64, result: CURLcode?) {
        guard let transfer = active.removeValue(forKey: id) else { return }
        curl_multi_remove_handle(multi, transfer.handle)
        transfer.finish(result)
    }

    /// How many transfers are running (for tests and status).
    public var activeCount: Int { pending.withLock { _ in active.count } }
}
