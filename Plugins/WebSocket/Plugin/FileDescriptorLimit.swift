import Glibc

/// Every connection is a file descriptor, and lws sizes its descriptor table from the process
/// limit when the context is created: raise the soft RLIMIT_NOFILE to the hard one first.
enum FileDescriptorLimit {
    /// Descriptors kept for everything else in the host (store, providers, MCP servers, logs).
    static let reserve = 256

    /// Raises the soft limit to the hard limit.
    /// - Returns: a warning when even the hard limit cannot hold `connections` connections.
    static func raise(toServe connections: Int) -> String? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = UInt64(limit.rlim_cur)  // RLIM_INFINITY is the largest value
        guard available < UInt64(connections + reserve) else { return nil }
        return "the open-file limit (\(available)) is below max_connections + \(reserve) (\(connections + reserve)): "
            + "connections beyond it will fail; raise it (ulimit -n, LimitNOFILE=) or lower max_connections"
    }
}
