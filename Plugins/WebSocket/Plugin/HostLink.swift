import PluginABI

/// The host's functions this transport uses, bound to its instance's `host_ref`.
///
/// Threading: every method may be called from any thread (switchboard.h: the host table is
/// thread-safe and lives forever). `submit` may deliver events, even the terminal one, before
/// it returns, so callers hold no lock the event callback takes.
struct HostLink: @unchecked Sendable {  // the table and host_ref live for the process
    let host: UnsafePointer<sb_host_api>
    let hostRef: UnsafeMutableRawPointer?

    struct Refusal: Error {
        let status: sb_status
        let message: String
    }

    /// Submits a host op. - Returns: its handle. - Throws: `Refusal` (no event was delivered).
    func submit(op: String, request: String, onEvent: sb_event_fn, user: UnsafeMutableRawPointer) throws(Refusal) -> UInt64 {
        guard let submit = host.pointee.submit else { throw Refusal(status: SB_ERR_UNSUPPORTED, message: "this host offers no submit") }
        var handle: UInt64 = 0
        var request = request
        let capacity = 512
        let (status, message) = withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { err -> (sb_status, String) in
            err[0] = 0
            let status = op.withCString { opName in
                request.withUTF8 { body in
                    body.withMemoryRebound(to: CChar.self) { submit(hostRef, opName, $0.baseAddress, $0.count, onEvent, user, &handle, err.baseAddress, capacity) }
                }
            }
            err[capacity - 1] = 0
            return (status, status == SB_OK ? "" : String(cString: err.baseAddress!))
        }
        guard status == SB_OK else { throw Refusal(status: status, message: message.isEmpty ? "the host refused the request" : message) }
        return handle
    }

    /// Cancels a submitted op; its terminal event still arrives (possibly inside this call).
    func cancel(_ handle: UInt64) {
        guard handle != 0 else { return }
        host.pointee.cancel?(hostRef, handle)
    }

    /// Records a metric sample (`SB_METRIC_*`); labels are Prometheus pairs without braces.
    func metric(_ type: Int32, _ name: String, labels: String? = nil, _ value: Double = 1) {
        guard let metric = host.pointee.metric else { return }
        name.withCString { name in
            if let labels { labels.withCString { metric(hostRef, type, name, $0, value) } } else { metric(hostRef, type, name, nil, value) }
        }
    }

    /// The host's effective configuration at a dotted path ("" for all) as JSON text; `env:NAME`
    /// values come back as written, literal secrets too (callers redact). Nil when absent.
    func configValue(atPath path: String) -> String? {
        final class Box { var json: String? }
        let box = Box()
        let status = path.withCString { key in
            host.pointee.config_get(hostRef, key, { user, json, length in
                guard let user, let json else { return }
                Unmanaged<Box>.fromOpaque(user).takeUnretainedValue().json = String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self)
            }, Unmanaged.passUnretained(box).toOpaque())
        }
        return status == SB_OK ? box.json : nil
    }

    func log(_ level: Int32, _ message: String) {
        message.withCString { host.pointee.log?(hostRef, level, $0) }
    }
}
