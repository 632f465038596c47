/// How much response body a transfer may hand over in one call into libcurl before it pauses
/// until the multi loop has served the other sockets. libcurl keeps reading a socket while it
/// stays readable (up to 100 reads of 16 KiB a call), so without a budget one fast server with a
/// slow consumer holds the loop and every other transfer waits. Touched only on the multi thread.
final class ActionBudget {
    static let bytesPerAction = 16 * 1024
    /// Counts the loop's calls into libcurl; each transfer's budget is per call.
    private(set) var call = 0
    var paused: [CurlTransfer] = []

    func nextCall() { call &+= 1 }
}
