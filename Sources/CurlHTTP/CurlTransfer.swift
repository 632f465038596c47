import CCurl
import Foundation

/// One easy handle and its request's buffers, owned by the multi thread from `add` to `finish`.
final class CurlTransfer: @unchecked Sendable {  // touched only on the multi thread after creation
    let id: UInt64
    let handle: UnsafeMutableRawPointer
    private let handlers: TransferHandlers
    private let budget: ActionBudget
    private var budgetCall = -1
    private var spentInCall = 0
    private var budgeted: Bool?  // HTTP/1.x only: pausing an HTTP/2 stream is left to libcurl's own flow control
    private(set) var paused = false

    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var responseHeaders: [String: String] = [:]
    private var reportedHead = false
    private var ended = false
    private(set) var abortedByHandler = false
    /// Whether any of the response body arrived.
    private(set) var receivedBody = false
    /// How long the server may stay silent (nil: no limit), and when it last sent anything.
    let idleTimeout: Duration?
    private var lastActivity = ContinuousClock.now
    private var idledOut = false

    static let maxHeaderBytes = 64 * 1024

    /// - Returns: nil when libcurl cannot make an easy handle.
    init?(id: UInt64, request: HTTPRequest, handlers: TransferHandlers, budget: ActionBudget) {
        guard let handle = curl_easy_init() else { return nil }
        self.id = id
        self.handle = handle
        self.handlers = handlers
        self.budget = budget
        self.idleTimeout = request.idleTimeout > 0 ? .milliseconds(Int(request.idleTimeout * 1000)) : nil
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        // No "Expect: 100-continue" (libcurl's default for bodies over 1 KiB): it costs every such
        // request a round trip before the body goes out, and API servers take the body anyway.
        if !request.headers.contains(where: { $0.0.lowercased() == "expect" }) { headerList = curl_slist_append(headerList, "Expect:") }
        _ = ccurl_easy_setopt_str(handle, CURLOPT_URL, request.url)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_2TLS)  // HTTP/2 when the server offers it
        _ = ccurl_easy_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = ccurl_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout * 1000))
        _ = ccurl_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(request.totalTimeout * 1000))
        _ = ccurl_easy_setopt_str(handle, CURLOPT_ACCEPT_ENCODING, "")
        if request.method != "GET" && request.method != "POST" {
            _ = ccurl_easy_setopt_str(handle, CURLOPT_CUSTOMREQUEST, request.method)  // DELETE, ...
        }
        if request.method == "POST" {
            _ = ccurl_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count))
            request.body.withUnsafeBytes { _ = ccurl_easy_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
        }
        _ = ccurl_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList)
        let this = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_easy_setopt_ptr(handle, CURLOPT_PRIVATE, this)
        _ = ccurl_easy_setopt_ptr(handle, CURLOPT_WRITEDATA, this)
        _ = ccurl_easy_setopt_write(handle, CURLOPT_WRITEFUNCTION, Self.write)
        _ = ccurl_easy_setopt_ptr(handle, CURLOPT_HEADERDATA, this)
        _ = ccurl_easy_setopt_write(handle, CURLOPT_HEADERFUNCTION, Self.header)
    }

    /// The transfer an easy handle belongs to (its CURLOPT_PRIVATE).
    static func of(_ handle: UnsafeMutableRawPointer) -> CurlTransfer? {
        var privatePointer: UnsafeMutableRawPointer?
        _ = ccurl_easy_getinfo_ptr(handle, CURLINFO_PRIVATE, &privatePointer)
        return privatePointer.map { Unmanaged<CurlTransfer>.fromOpaque($0).takeUnretainedValue() }
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
    }

    /// Whether the server has been silent for longer than `idleTimeout` at `now`; if so, the
    /// transfer ends as a timeout when the multi removes it.
    func idles(at now: ContinuousClock.Instant) -> Bool {
        guard let idleTimeout, now - lastActivity > idleTimeout else { return false }
        idledOut = true
        return true
    }

    /// Reports the end once, mapping libcurl's result to a failure kind.
    func finish(_ code: CURLcode?) {
        guard !ended else { return }
        ended = true
        if idledOut, let idleTimeout {
            return handlers.end(TransferFailure(kind: .timeout, message: "the server sent nothing for \(idleTimeout) (idle timeout)"))
        }
        guard let code else { return handlers.end(TransferFailure(kind: .cancelled, message: "cancelled")) }
        if code == CURLE_OK {
            reportHead()
            return handlers.end(nil)
        }
        let message = String(cString: curl_easy_strerror(code))
        let kind: TransferFailure.Kind
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SSL_CONNECT_ERROR: kind = .connect
        case CURLE_OPERATION_TIMEDOUT: kind = .timeout
        case CURLE_WRITE_ERROR where abortedByHandler: kind = .aborted
        case CURLE_RECV_ERROR, CURLE_PARTIAL_FILE, CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            kind = reportedHead ? .dropped : .connect
        default: kind = .other
        }
        handlers.end(TransferFailure(kind: kind, message: message))
    }

    private func reportHead() {
        guard !reportedHead else { return }
        reportedHead = true
        var status = 0
        _ = ccurl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        handlers.head(status, responseHeaders)
    }

    /// Whether this call into libcurl has handed the transfer its budget already; if not, counts `length` against it.
    private func overBudget(adding length: Int) -> Bool {
        if budgeted == nil {
            var version = 0
            _ = ccurl_easy_getinfo_long(handle, CURLINFO_HTTP_VERSION, &version)
            budgeted = version == CURL_HTTP_VERSION_1_0 || version == CURL_HTTP_VERSION_1_1
        }
        guard budgeted == true else { return false }
        if budgetCall != budget.call { (budgetCall, spentInCall) = (budget.call, 0) }
        guard spentInCall < ActionBudget.bytesPerAction else { return true }
        spentInCall += length
        return false
    }

    /// Continues a transfer paused by the budget; libcurl hands over what it held back at once.
    /// - Returns: libcurl's result: not CURLE_OK when that delivery failed (a handler refused
    ///   the bytes), and then libcurl will not run the transfer again: the caller ends it.
    func resume() -> CURLcode {
        guard paused else { return CURLE_OK }
        paused = false
        return ccurl_easy_unpause(handle)
    }

    static let write: curl_write_callback = { data, size, count, user in
        guard let user else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
        let length = size * count
        if transfer.idleTimeout != nil { transfer.lastActivity = .now }
        if transfer.overBudget(adding: length) {
            // Not handed over: libcurl keeps these bytes and delivers them again on resume().
            transfer.paused = true
            transfer.budget.paused.append(transfer)
            return Int(CURL_WRITEFUNC_PAUSE)
        }
        transfer.receivedBody = true
        transfer.reportHead()
        guard transfer.handlers.body(UnsafeRawBufferPointer(start: data, count: length)) else {
            transfer.abortedByHandler = true
            return 0  // libcurl aborts the transfer with CURLE_WRITE_ERROR
        }
        return length
    }

    static let header: curl_write_callback = { data, size, count, user in
        guard let user, let data else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(user).takeUnretainedValue()
        let length = size * count
        if transfer.idleTimeout != nil { transfer.lastActivity = .now }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            transfer.responseHeaders = [:]  // a new response (after 100 Continue or a redirect)
        } else if let colon = line.utf8.firstIndex(of: UInt8(ascii: ":")), transfer.responseHeaders.count < 200 {
            // Trimmed by hand: Foundation's trimmingCharacters(in:) cost more than the rest of the callback.
            let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
            let value = line.utf8[line.utf8.index(after: colon)...].drop(while: isSpace)
            let end = value.lastIndex { !isSpace($0) }.map { line.utf8.index(after: $0) } ?? value.startIndex
            transfer.responseHeaders[line[..<colon].lowercased()] = String(line[value.startIndex..<end])
        }
        return length
    }
}
