import Foundation
import Host
@testable import MCPClient
import Testing

/// Era detection and the handshake as a plain state machine: no processes, no sockets.
@Suite struct SessionMachineTests {
    func discoverResult(_ versions: [String]) -> JSONValue {
        .object(["supportedVersions": .array(versions.map(JSONValue.string)), "capabilities": .object(["tools": .object([:])]),
                 "_meta": .object(["io.modelcontextprotocol/serverInfo": .object(["name": .string("s")])])])
    }

    @Test func aDiscoverResultMeansModernWithoutAHandshake() {
        var machine = SessionMachine(channel: .stdio)
        guard case .request("server/discover", let params)? = machine.start().first else { Issue.record("no discover"); return }
        #expect(params["_meta"]?["io.modelcontextprotocol/protocolVersion"] == .string("2026-07-28"))
        let steps = machine.received(.result(discoverResult(["2026-07-28"])))
        guard case .established(let info)? = steps.first else { Issue.record("not established: \(steps)"); return }
        #expect(info.era == .modern)
        #expect(info.serverInfo?["name"] == .string("s"))
        #expect(steps.count == 1, "no notifications/initialized in the modern era")
    }

    @Test(arguments: [
        SessionMachine.Reply.error(RPCError(code: -32601, message: "Method not found")),
        .error(RPCError(code: -32602, message: "Invalid request parameters")),  // mcp-server-sqlite's answer
        .timeout,
    ])
    func anyOtherErrorOrSilenceFallsBackToInitialize(reply: SessionMachine.Reply) {
        var machine = SessionMachine(channel: .stdio)
        _ = machine.start()
        guard case .request("initialize", let params)? = machine.received(reply).first else { Issue.record("no initialize"); return }
        #expect(params["protocolVersion"] == .string("2025-11-25"))
        let steps = machine.received(.result(.object(["protocolVersion": .string("2025-06-18"), "capabilities": .object([:])])))
        #expect(steps.first == .notify(method: "notifications/initialized", params: nil))
        guard case .established(let info)? = steps.last else { Issue.record("not established"); return }
        #expect(info.era == .legacy)
        #expect(info.version == "2025-06-18")
    }

    @Test func unsupportedVersionRetriesOnceWithAVersionTheServerNames() {
        var machine = SessionMachine(channel: .stdio)
        _ = machine.start()
        let rejection = RPCError(code: -32022, message: "unsupported", data: .object(["supported": .array([.string("2026-07-28")])]))
        guard case .request("server/discover", _)? = machine.received(.error(rejection)).first else { Issue.record("no retry"); return }
        guard case .request("initialize", _)? = machine.received(.error(rejection)).first else { Issue.record("no fallback after the retry"); return }
    }

    /// A slow server reads the timed-out probe first, which commits it to the modern era; it then
    /// rejects `initialize` with -32022, and the machine discovers again (once).
    @Test func initializeRejectedWithAModernVersionDiscoversAgainOnce() {
        let modernOnly = RPCError(code: -32022, message: "connection is serving the 2026-07-28 protocol",
                                  data: .object(["supported": .array([.string("2026-07-28")]), "requested": .string("2025-11-25")]))
        var machine = SessionMachine(channel: .stdio)
        _ = machine.start()
        guard case .request("initialize", _)? = machine.received(.timeout).first else { Issue.record("no initialize"); return }
        guard case .request("server/discover", let params)? = machine.received(.error(modernOnly)).first else { Issue.record("no second discover"); return }
        #expect(params["_meta"]?["io.modelcontextprotocol/protocolVersion"] == .string("2026-07-28"))
        guard case .established(let info)? = machine.received(.result(discoverResult(["2026-07-28"]))).first else { Issue.record("not established"); return }
        #expect(info.era == .modern)

        // Once: after that second discover also times out, the same rejection ends the handshake.
        var stubborn = SessionMachine(channel: .stdio)
        _ = stubborn.start()
        _ = stubborn.received(.timeout)
        _ = stubborn.received(.error(modernOnly))
        guard case .request("initialize", _)? = stubborn.received(.timeout).first else { Issue.record("no initialize after the second timeout"); return }
        #expect(stubborn.received(.error(modernOnly)) == [.failed("initialize failed: connection is serving the 2026-07-28 protocol (-32022)")])

        // The same after a legacy hint: the server was upgraded to a modern-only one.
        var upgraded = SessionMachine(channel: .stdio, hint: .legacy)
        _ = upgraded.start()
        guard case .request("server/discover", _)? = upgraded.received(.error(modernOnly)).first else { Issue.record("no discover after the hint"); return }
        // A -32022 without a modern version in it is an ordinary failure.
        var plain = SessionMachine(channel: .stdio, hint: .legacy)
        _ = plain.start()
        let legacyOnly = RPCError(code: -32022, message: "unsupported", data: .object(["supported": .array([.string("2024-11-05")])]))
        #expect(plain.received(.error(legacyOnly)) == [.failed("initialize failed: unsupported (-32022)")])
        // Over HTTP the rejection is a 400 with the error as its body.
        var http = SessionMachine(channel: .http)
        _ = http.start()
        _ = http.received(.timeout)
        let body: JSONValue = .object(["error": .object(["code": .int(-32022), "message": .string(modernOnly.message), "data": modernOnly.data ?? .null])])
        guard case .request("server/discover", _)? = http.received(.httpStatus(400, body: body)).first else { Issue.record("no discover over HTTP"); return }
    }

    @Test func overHTTPAModernRejectionBodyMeansModernAndOther4xxMeansLegacy() {
        var modern = SessionMachine(channel: .http)
        _ = modern.start()
        let body: JSONValue = .object(["error": .object(["code": .int(-32020), "message": .string("header mismatch")])])
        #expect(modern.received(.httpStatus(400, body: body)) == [.failed("the server rejected the modern request: header mismatch")])
        var legacy = SessionMachine(channel: .http)
        _ = legacy.start()
        let missingSession: JSONValue = .object(["error": .object(["code": .int(-32600), "message": .string("Bad Request: Missing session ID")])])
        guard case .request("initialize", _)? = legacy.received(.httpStatus(400, body: missingSession)).first else { Issue.record("no initialize"); return }
        var broken = SessionMachine(channel: .http)
        _ = broken.start()
        #expect(broken.received(.httpStatus(503, body: nil)) == [.failed("the server answered HTTP 503")])
    }

    @Test func aLegacyHintSkipsDiscoveryAndBadVersionsFail() {
        var machine = SessionMachine(channel: .stdio, hint: .legacy)
        guard case .request("initialize", _)? = machine.start().first else { Issue.record("discovery was not skipped"); return }
        let steps = machine.received(.result(.object(["protocolVersion": .string("1999-01-01")])))
        guard case .failed(let reason)? = steps.first else { Issue.record("accepted an unknown version"); return }
        #expect(reason.hasPrefix("the server chose protocol version 1999-01-01"))
        var http = SessionMachine(channel: .http, hint: .legacy)
        _ = http.start()
        guard case .failed(let old)? = http.received(.httpStatus(405, body: nil)).first else { Issue.record("no failure"); return }
        #expect(old.contains("old HTTP+SSE transport"))
    }
}
