/// Token buckets per client address and per API key, and model-token budgets per key (a
/// sliding minute and a UTC day), shared by the HTTP API and the WebSocket requests.
///
/// Pure: time comes in as `now` (seconds since 1970; a clock going back counts as no time
/// passing). A plain value: the caller serializes access (one lock in the transport).
/// Memory stays bounded: buckets that are full again are dropped when more than
/// `maxTrackedClients` are tracked.
public struct RateLimiter: Sendable {
    public enum Scope: String, Sendable { case ip, key }

    public enum Decision: Sendable, Equatable {
        case allowed
        /// Over a limit: try again after `retryAfter` seconds.
        case limited(scope: Scope, retryAfter: Double, message: String)
    }

    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    private struct Budget {
        var minute: [(at: Double, tokens: Int)] = []
        var day = 0
        var dayTokens = 0
    }

    public private(set) var limits: HTTPSettings.RateLimits
    public static let maxTrackedClients = 100_000
    private var ipBuckets: [String: Bucket] = [:]
    private var keyBuckets: [String: Bucket] = [:]
    private var budgets: [String: Budget] = [:]

    public init(limits: HTTPSettings.RateLimits) { self.limits = limits }

    /// New limits (reconfigure); the bypass list edited at run time is kept.
    public mutating func update(_ new: HTTPSettings.RateLimits, keepingBypass: Bool = true) {
        let bypass = limits.bypass
        limits = new
        if keepingBypass { limits.bypass = bypass.union(new.bypass) }
    }

    public var bypass: [String] { limits.bypass.sorted() }
    public mutating func addBypass(_ ip: String) -> Bool { limits.bypass.insert(ip).inserted }
    public mutating func removeBypass(_ ip: String) -> Bool { limits.bypass.remove(ip) != nil }

    /// Takes one request from the address's and the key's buckets.
    /// - Parameters:
    ///   - ip: the client's address; one on the bypass list is never limited.
    ///   - key: the API key's owner (nil without keys).
    ///   - needsTokens: the request runs a model turn, so the key's token budgets apply too.
    public mutating func admit(ip: String, key: String?, needsTokens: Bool = false, now: Double) -> Decision {
        if limits.bypass.contains(ip) { return .allowed }
        if limits.perIP.isLimited, let wait = Self.take(&ipBuckets, ip, limits.perIP, now: now) {
            return .limited(scope: .ip, retryAfter: wait, message: "too many requests from this address; retry after \(Self.format(wait)) s")
        }
        guard let key else { return .allowed }
        if limits.perKey.isLimited, let wait = Self.take(&keyBuckets, key, limits.perKey, now: now) {
            return .limited(scope: .key, retryAfter: wait, message: "too many requests for this API key; retry after \(Self.format(wait)) s")
        }
        if needsTokens, let (wait, what) = budgetWait(key, now: now) {
            return .limited(scope: .key, retryAfter: wait, message: "this API key's \(what) token budget is spent; retry after \(Self.format(wait)) s")
        }
        return .allowed
    }

    /// Counts a finished turn's `usage.total_tokens` against the key's budgets.
    public mutating func charge(key: String, tokens: Int, now: Double) {
        guard tokens > 0, limits.tokensPerMinute > 0 || limits.dailyTokens > 0 else { return }
        var budget = budgets[key] ?? Budget()
        budget.minute.removeAll { $0.at <= now - 60 }
        budget.minute.append((now, tokens))
        let day = Int(now / 86_400)
        if budget.day != day { (budget.day, budget.dayTokens) = (day, 0) }
        budget.dayTokens += tokens
        budgets[key] = budget
    }

    /// Seconds until the key may start a turn again, and which budget holds it; nil when it may now.
    private mutating func budgetWait(_ key: String, now: Double) -> (Double, String)? {
        guard var budget = budgets[key] else { return nil }
        budget.minute.removeAll { $0.at <= now - 60 }
        budgets[key] = budget
        if limits.dailyTokens > 0, budget.day == Int(now / 86_400), budget.dayTokens >= limits.dailyTokens {
            return (Double(budget.day + 1) * 86_400 - now, "daily")
        }
        if limits.tokensPerMinute > 0 {
            var used = budget.minute.reduce(0) { $0 + $1.tokens }
            // Wait until enough old turns leave the window to be under the limit again.
            for entry in budget.minute where used >= limits.tokensPerMinute {
                used -= entry.tokens
                if used < limits.tokensPerMinute { return (max(0.001, entry.at + 60 - now), "per-minute") }
            }
        }
        return nil
    }

    /// Takes a token; returns nil when there was one, else the seconds until there is.
    private static func take(_ buckets: inout [String: Bucket], _ id: String, _ limit: HTTPSettings.Bucket, now: Double) -> Double? {
        if buckets.count >= Self.maxTrackedClients { prune(&buckets, limit, now: now) }
        var bucket = buckets[id] ?? Bucket(tokens: limit.capacity, updated: now)
        bucket.tokens = min(limit.capacity, bucket.tokens + max(0, now - bucket.updated) * limit.rps)
        bucket.updated = now
        defer { buckets[id] = bucket }
        guard bucket.tokens >= 1 else { return (1 - bucket.tokens) / limit.rps }
        bucket.tokens -= 1
        return nil
    }

    /// Drops buckets that have refilled: forgetting them changes nothing.
    private static func prune(_ buckets: inout [String: Bucket], _ limit: HTTPSettings.Bucket, now: Double) {
        buckets = buckets.filter { $0.value.tokens + max(0, now - $0.value.updated) * limit.rps < limit.capacity }
    }

    static func format(_ seconds: Double) -> String {
        let rounded = (seconds * 100).rounded(.up) / 100
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}
