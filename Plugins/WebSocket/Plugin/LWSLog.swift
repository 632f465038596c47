import PluginABI
import Synchronization

/// Routes libwebsockets' own log lines (errors and warnings only) into the host log.
/// lws has one log sink per process, so the last transport instance created receives them.
enum LWSLog {
    static let sink = Mutex<HostLink?>(nil)

    static let emit: @convention(c) (Int32, UnsafePointer<CChar>?) -> Void = { level, line in
        guard let line, let link = sink.withLock({ $0 }) else { return }
        var text = String(cString: line)
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        // lws warns about every refused upgrade ("User code denied connection"): our own log says why, at debug.
        link.log(level == 1 ? SB_LOG_WARN : SB_LOG_DEBUG, "libwebsockets: " + text)
    }
}
