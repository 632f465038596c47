import PluginABI

/// The four kinds of component a plugin can register (`SB_KIND_*`).
public enum ComponentKind: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case provider = 1
    case store = 2
    case transport = 3
    case toolSource = 4

    public var description: String {
        switch self {
        case .provider: return "provider"
        case .store: return "store"
        case .transport: return "transport"
        case .toolSource: return "tool_source"
        }
    }
}

/// Names for `sb_status` codes in messages.
enum StatusName {
    static func of(_ status: Int32) -> String {
        switch status {
        case SB_OK: return "SB_OK"
        case SB_ERR_INVALID: return "SB_ERR_INVALID"
        case SB_ERR_UNSUPPORTED: return "SB_ERR_UNSUPPORTED"
        case SB_ERR_VERSION: return "SB_ERR_VERSION"
        case SB_ERR_NOMEM: return "SB_ERR_NOMEM"
        case SB_ERR_NOT_FOUND: return "SB_ERR_NOT_FOUND"
        case SB_ERR_BUSY: return "SB_ERR_BUSY"
        case SB_ERR_IO: return "SB_ERR_IO"
        case SB_ERR_CANCELLED: return "SB_ERR_CANCELLED"
        case SB_ERR_TIMEOUT: return "SB_ERR_TIMEOUT"
        case SB_ERR_UNAVAILABLE: return "SB_ERR_UNAVAILABLE"
        case SB_ERR_INTERNAL: return "SB_ERR_INTERNAL"
        default: return "status \(status)"
        }
    }
}

/// An ABI version as `major.minor`.
struct ABIVersion: Equatable, CustomStringConvertible {
    var major: UInt32
    var minor: UInt32
    init(packed: UInt32) { (major, minor) = (sb_abi_major(packed), sb_abi_minor(packed)) }
    static let host = ABIVersion(packed: sb_abi_current())
    var description: String { "\(major).\(minor)" }
}
