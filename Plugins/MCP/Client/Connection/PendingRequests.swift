import JSONSupport

/// Progress of one request, from `notifications/progress`.
public struct ProgressUpdate: Sendable, Equatable {
    public var progress: Double
    public var total: Double?
    public var message: String?

    /// `{"progress","total","message"}` for the host's PROGRESS event (absent parts are null).
    public var json: JSONValue {
        .object(["progress": .double(progress), "total": total.map(JSONValue.double) ?? .null,
                 "message": message.map(JSONValue.string) ?? .null])
    }
}

/// How a request ends for its caller.
public typealias RequestCompletion = @Sendable (Result<JSONValue, MCPError>) -> Void

/// One request awaiting its answer.
struct PendingRequest: Sendable {
    var method: String
    var params: JSONValue?
    var name: String?
    /// Seconds without an answer or progress before the request times out.
    var timeout: Double
    /// When it times out unless progress arrives (monotonic seconds).
    var deadline: Double
    /// When it times out regardless of progress.
    var hardDeadline: Double
    var completion: RequestCompletion
    var progress: (@Sendable (ProgressUpdate) -> Void)?
    /// Waiting for a new HTTP session before it is sent again (it was refused with 404).
    var awaitingSession = false
    var resent = false

    var startedAt: Double
    var sawProgress = false

    /// What the caller is told when it times out.
    func timeoutError(now: Double) -> MCPError {
        let what = name.map { "\(method) '\($0)'" } ?? method
        if sawProgress && hardDeadline <= deadline {
            return MCPError(.timeout, "\(what) did not finish within the maximum of \(Self.seconds(hardDeadline - startedAt)) (progress extends the timeout only up to requests.max_timeout)")
        }
        return MCPError(.timeout, "\(what) got no answer within \(Self.seconds(timeout))")
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\((value * 10).rounded() / 10) s"
    }
}

/// The requests of one connection, with their deadlines. Pure bookkeeping; the connection
/// holds it under its lock and calls completions outside it.
struct PendingRequests {
    private(set) var entries: [RequestID: PendingRequest] = [:]
    private var nextID: Int64 = 1

    var count: Int { entries.count }

    /// When the next request times out (infinity when none can).
    var earliestDeadline: Double { entries.values.map { min($0.deadline, $0.hardDeadline) }.min() ?? .infinity }

    mutating func makeID() -> RequestID {
        defer { nextID += 1 }
        return .number(nextID)
    }

    mutating func insert(_ request: PendingRequest, id: RequestID) { entries[id] = request }

    mutating func remove(_ id: RequestID) -> PendingRequest? { entries.removeValue(forKey: id) }

    /// Progress arrived for `token`: the idle deadline restarts, never past the hard deadline.
    mutating func progressed(_ token: RequestID, now: Double) -> PendingRequest? {
        guard var request = entries[token] else { return nil }
        request.deadline = min(now + request.timeout, request.hardDeadline)
        request.sawProgress = true
        entries[token] = request
        return request
    }

    /// Removes and returns every request whose deadline has passed.
    mutating func expire(now: Double) -> [(RequestID, PendingRequest)] {
        let overdue = entries.filter { now >= min($0.value.deadline, $0.value.hardDeadline) }
        for id in overdue.keys { entries[id] = nil }
        return overdue.map { ($0.key, $0.value) }
    }

    mutating func removeAll() -> [PendingRequest] {
        defer { entries = [:] }
        return Array(entries.values)
    }

    mutating func markAwaitingSession(_ id: RequestID) -> Bool {
        guard var request = entries[id], !request.resent else { return false }
        request.awaitingSession = true
        entries[id] = request
        return true
    }

    /// Takes the requests waiting for a new session, to be sent again under new ids.
    mutating func takeAwaitingSession() -> [PendingRequest] {
        let waiting = entries.filter(\.value.awaitingSession)
        for id in waiting.keys { entries[id] = nil }
        return waiting.values.map { request in
            var again = request
            again.awaitingSession = false
            again.resent = true
            return again
        }
    }
}
