import Host
import Testing
import WebSocketProtocol

/// The HTTP API's pure parts: rate limits with an injected clock, admission, body validation.
struct HTTPProtocolTests {
    @Test func aBucketRefusesPastItsBurstAndRecoversAtItsRate() {
        var limits = HTTPSettings.RateLimits()
        limits.perIP = .init(rps: 2, burst: 2)
        var limiter = RateLimiter(limits: limits)
        func admit(_ ip: String, _ now: Double) -> RateLimiter.Decision { limiter.admit(ip: ip, key: nil, now: now) }
        #expect(admit("a", 100) == .allowed)
        #expect(admit("a", 100) == .allowed)
        guard case .limited(.ip, let wait, _) = admit("a", 100) else { Issue.record("not limited"); return }
        #expect(abs(wait - 0.5) < 0.001)
        #expect(admit("b", 100) == .allowed)  // per address
        #expect(admit("a", 100.5) == .allowed)
        let added = limiter.addBypass("a")
        #expect(added)
        for _ in 0..<10 { #expect(admit("a", 100.5) == .allowed) }
    }

    @Test func tokenBudgetsPerKeyHoldTurnsUntilTheWindowMoves() {
        var limits = HTTPSettings.RateLimits()
        limits.tokensPerMinute = 100
        limits.dailyTokens = 1000
        var limiter = RateLimiter(limits: limits)
        func admit(_ key: String, _ turn: Bool, _ now: Double) -> RateLimiter.Decision { limiter.admit(ip: "x", key: key, needsTokens: turn, now: now) }
        limiter.charge(key: "alice", tokens: 60, now: 1000)
        limiter.charge(key: "alice", tokens: 50, now: 1010)
        guard case .limited(.key, let wait, _) = admit("alice", true, 1020) else { Issue.record("not limited"); return }
        #expect(abs(wait - 40) < 0.01)  // the first turn leaves the minute at 1060
        #expect(admit("alice", false, 1020) == .allowed)  // non-turn requests pass
        #expect(admit("bob", true, 1020) == .allowed)
        #expect(admit("alice", true, 1061) == .allowed)
    }

    @Test func theGateChecksRouteAdminTokenKeysAndBodySize() throws {
        var config = try WebSocketConfig(json: #"{"admin_token": "t0ken", "max_body_bytes": 100, "api_keys": [{"key": "k", "owner": "alice"}]}"#)
        let gate = HTTPGate(config: config)
        func status(_ head: HTTPRequestHead) -> Int? {
            if case .reply(let reply) = gate.admit(head) { return reply.status }
            return nil
        }
        #expect(status(HTTPRequestHead(method: "GET", path: "/health")) == nil)
        #expect(status(HTTPRequestHead(method: "GET", path: "/sessions")) == 401)
        #expect(status(HTTPRequestHead(method: "GET", path: "/sessions", headers: ["authorization": "Bearer k"])) == nil)
        #expect(status(HTTPRequestHead(method: "GET", path: "/sessions", query: ["token": "k"])) == nil)
        #expect(status(HTTPRequestHead(method: "GET", path: "/admin/bypass")) == 401)
        #expect(status(HTTPRequestHead(method: "GET", path: "/admin/bypass", headers: ["x-admin-token": "t0ke"])) == 403)
        #expect(status(HTTPRequestHead(method: "GET", path: "/admin/bypass", headers: ["x-admin-token": "t0ken"])) == nil)
        #expect(status(HTTPRequestHead(method: "POST", path: "/sessions", headers: ["authorization": "Bearer k", "content-length": "101"])) == 413)
        #expect(status(HTTPRequestHead(method: "PATCH", path: "/sessions/x")) == 405)
        config.http.adminToken = nil
        #expect(HTTPGate(config: config).admit(HTTPRequestHead(method: "GET", path: "/admin/bypass", headers: ["x-admin-token": "t0ken"])).isReply(404))
    }

    @Test func messageBodiesAreValidatedWith422NamingTheField() {
        func plan(_ body: String) -> HTTPReply? {
            if case .reply(let reply) = HTTPAPI.plan(route: .postMessage("s1"), owner: "local", body: Array(body.utf8),
                                                    head: HTTPRequestHead(method: "POST", path: "/sessions/s1/messages"), requestId: "r") { return reply }
            return nil
        }
        #expect(plan(#"{"message": "hi"}"#)?.status == 422)
        #expect(plan(#"{"message": "hi"}"#)?.bodyText.contains("'message' is not accepted") == true)
        #expect(plan("[1]")?.status == 400)
        #expect(plan(#"{"content": "hi", "options": {"memory_limit": 0}}"#)?.status == 422)
        #expect(plan(#"{"content": "hi", "options": {"model": "m", "temperature": 0.1}}"#) == nil)
        guard case .call(let call) = HTTPAPI.plan(route: .postMessage("s1"), owner: "alice", body: Array(#"{"content": "hi", "options": {"model": "m", "temperature": 0.1}}"#.utf8),
                                                 head: HTTPRequestHead(method: "POST", path: "/", headers: ["accept": "text/event-stream"]), requestId: "r") else { return }
        #expect(call.stream)
        #expect(call.request["model"] == "m")
        #expect(call.request["options"] == .object(["temperature": .double(0.1)]))
        #expect(call.request["conversation_id"] == "s1" && call.request["owner"] == "alice")
    }

    @Test func theRuntimeConfigIsRedactedBeyondTheHost() {
        let reply = HTTPAPI.configReply(#"{"plugins": {"WebSocket": {"config": {"api_keys": [{"key": "literal", "owner": "a"}], "admin_token": "env:X"}}}}"#)
        #expect(!reply.bodyText.contains("literal"))
        #expect(reply.bodyText.contains("env:X"))
    }
}

extension HTTPGate.Admission {
    func isReply(_ status: Int) -> Bool {
        if case .reply(let reply) = self { return reply.status == status }
        return false
    }
}
