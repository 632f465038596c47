import CWebSockets
import Glibc

/// Writes a complete HTTP/1.1 error response straight to a connection's socket, before lws
/// drops it. (`lws_return_http_status` answers an upgrade request as HTTP/1.0, which
/// WebSocket clients reject as malformed instead of reporting the status.)
enum HTTPRefusal {
    /// - Important: Service thread only, on a connection still in its HTTP phase.
    static func send(status: Int, message: String, on wsi: OpaquePointer) {
        let body = message + "\n"
        var head = "HTTP/1.1 \(status) \(reasonPhrase(status))\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
        switch status {
        case 401: head += "WWW-Authenticate: Bearer\r\n"
        case 426: head += "Upgrade: websocket\r\n"
        case 503: head += "Retry-After: 1\r\n"
        default: break
        }
        let response = Array((head + "\r\n" + body).utf8)
        let socket = lws_get_socket_fd(wsi)
        guard socket >= 0 else { return }
        // A fresh connection's send buffer takes these few hundred bytes at once; if it does
        // not, the client sees the connection close without a status, which is still a refusal.
        _ = response.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 426: return "Upgrade Required"
        case 503: return "Service Unavailable"
        default: return "Error"
        }
    }
}
