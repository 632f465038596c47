import Foundation
import Host
import PluginABI
import Synchronization

/// Plays the orchestrator behind `sb_host_api.submit` (docs/PLUGINS.md, "Host ops") so the
/// transport can be tested before the real one exists: chat turns with sequence-numbered
/// events on threads of their own, cancel, replay of a request id and `resume`, owned
/// conversations, and the conversation and catalog ops.
///
/// A chat's `text` picks its script: `hello` (anything unknown) streams reasoning, two text
/// pieces, usage and finish; `stream N [MS] [SIZE]` N text chunks MS apart (SIZE bytes each);
/// `tool` a tool call around the text; `hang` only the turn event, until cancelled; `burst N SIZE`
/// N chunks at once, then nothing until cancelled; `gate` one chunk, then the rest when the test
/// calls `release(requestId:)`; `fail` a
/// provider error after the turn event; `busy` an immediate conversation_busy; `refuse` makes
/// submit itself fail (SB_ERR_UNAVAILABLE). A conversation id
/// starting with `new-` is created on first use.
///
/// Threading: everything is serialized by one lock, events are delivered under it (the ABI
/// forbids two deliveries at once for one op, and the transport never calls back inside them).
final class FakeHost: HostRequestHandler, @unchecked Sendable {  // state behind `lock`
    struct Submission: Sendable {
        let op: String
        let request: JSONValue
        let handle: UInt64
    }

    struct Cancellation: Sendable {
        let handle: UInt64
        let at: ContinuousClock.Instant
    }

    private final class Turn: @unchecked Sendable {  // touched under FakeHost.lock only
        let owner: String
        let requestId: String
        let conversationId: String
        let origin: UInt64
        var log: [PluginEvent] = []
        var terminal: PluginEvent?
        var cancelled = false
        var subscribers: [UInt64: PluginEventSink] = [:]

        init(owner: String, requestId: String, conversationId: String, origin: UInt64) {
            (self.owner, self.requestId, self.conversationId, self.origin) = (owner, requestId, conversationId, origin)
        }
    }

    private let lock = NSRecursiveLock()
    private var submissionLog: [Submission] = []
    private var cancellationLog: [Cancellation] = []
    private var turns: [String: Turn] = [:]           // "owner\u{0}request_id"
    private var turnByHandle: [UInt64: Turn] = [:]
    private var conversations: [String: String] = [:] // id -> owner
    private var releasedTurns: Set<String> = []
    private var nextHandle: UInt64 = 1
    private var nextConversation = 1
    /// Events delivered (all subscriptions), for throughput checks.
    private(set) var delivered = 0

    static let usage = #"{"cached_tokens":0,"completion_tokens":5,"cost":0.0001,"model":"fake-model","prompt_tokens":10,"total_tokens":15}"#

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    var submissions: [Submission] { locked { submissionLog } }
    var cancellations: [Cancellation] { locked { cancellationLog } }
    func submissions(op: String) -> [Submission] { submissions.filter { $0.op == op } }
    /// Turns still running (not ended).
    var runningTurns: Int { locked { turns.values.filter { $0.terminal == nil }.count } }

    /// Lets a `gate` turn finish.
    func release(requestId: String) { locked { _ = releasedTurns.insert(requestId) } }

    // MARK: HostRequestHandler

    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        guard let parsed = try? JSONValue.parse(request), case .object(let fields) = parsed else {
            throw ComponentError(status: SB_ERR_INVALID, message: "the request is not a JSON object")
        }
        guard case .string(let owner)? = fields["owner"] else { throw ComponentError(status: SB_ERR_INVALID, message: "owner is required") }
        lock.lock()
        defer { lock.unlock() }
        let handle = nextHandle
        nextHandle += 1
        submissionLog.append(Submission(op: op, request: parsed, handle: handle))
        switch op {
        case "chat": try chat(fields, owner: owner, handle: handle, sink: sink)
        case "resume": resume(fields, owner: owner, handle: handle, sink: sink)
        case "list_conversations", "get_conversation", "delete_conversation", "save_conversation", "unsave_conversation",
             "set_title", "list_catalog", "apply_prompt", "read_resource":
            answer(op, fields, owner: owner, sink: sink)
        default:
            throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "unknown op '\(op)'")
        }
        return handle
    }

    func cancel(handle: UInt64) {
        locked {
            cancellationLog.append(Cancellation(handle: handle, at: .now))
            guard let turn = turnByHandle[handle], turn.terminal == nil else { return }
            if handle == turn.origin {
                turn.cancelled = true
                finish(turn, PluginEvent(kind: .cancelled, status: SB_ERR_CANCELLED))
            } else if let sink = turn.subscribers.removeValue(forKey: handle) {
                sink.send(PluginEvent(kind: .cancelled, status: SB_ERR_CANCELLED))
            }
        }
    }

    // MARK: chat and resume

    private func chat(_ fields: [String: JSONValue], owner: String, handle: UInt64, sink: PluginEventSink) throws(ComponentError) {
        guard case .string(let requestId)? = fields["request_id"], case .string(let text)? = fields["text"] else {
            throw ComponentError(status: SB_ERR_INVALID, message: "chat needs request_id and text")
        }
        let key = owner + "\u{0}" + requestId
        if let known = turns[key] {  // the same request id again: replay, then follow
            subscribe(known, handle: handle, sink: sink, after: 0)
            return
        }
        if text == "refuse" {
            throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "the host is shutting down")
        }
        if text == "busy" {
            sink.send(PluginEvent(kind: .error, text: "the conversation is running another turn", name: "conversation_busy", status: SB_ERR_BUSY))
            return
        }
        let conversationId: String
        if case .string(let named)? = fields["conversation_id"] {
            if named.hasPrefix("new-"), conversations[named] == nil { conversations[named] = owner }  // tests name fresh ones
            guard conversations[named] == owner else {
                sink.send(PluginEvent(kind: .error, text: "no conversation '\(named)'", name: "not_found", status: SB_ERR_NOT_FOUND))
                return
            }
            conversationId = named
        } else {
            conversationId = "conv-\(nextConversation)"
            nextConversation += 1
            conversations[conversationId] = owner
        }
        let turn = Turn(owner: owner, requestId: requestId, conversationId: conversationId, origin: handle)
        turns[key] = turn
        turnByHandle[handle] = turn
        turn.subscribers[handle] = sink
        emit(turn, PluginEvent(kind: .message, name: "turn", data: JSONValue.object([
            "conversation_id": .string(conversationId), "request_id": .string(requestId),
            "model": .string("fake-model"), "provider": .string("fake")]).jsonText))
        let script = Self.script(for: text, conversationId: conversationId, requestId: requestId)
        Thread { [self] in play(script, on: turn) }.start()
    }

    private func resume(_ fields: [String: JSONValue], owner: String, handle: UInt64, sink: PluginEventSink) {
        guard case .string(let requestId)? = fields["request_id"], let turn = turns[owner + "\u{0}" + requestId] else {
            sink.send(PluginEvent(kind: .error, text: "no request to resume", name: "not_found", status: SB_ERR_NOT_FOUND))
            return
        }
        var after: Int64 = 0
        if case .int(let number)? = fields["after_seq"] { after = number }
        subscribe(turn, handle: handle, sink: sink, after: after)
    }

    private func subscribe(_ turn: Turn, handle: UInt64, sink: PluginEventSink, after: Int64) {
        turnByHandle[handle] = turn
        for event in turn.log where event.index > after { sink.send(event) }
        if let terminal = turn.terminal {
            sink.send(terminal)
        } else {
            turn.subscribers[handle] = sink
        }
    }

    private enum Step {
        case event(PluginEvent)
        case pause(milliseconds: Int)
        case waitForCancel
        case waitForRelease
        case end(PluginEvent)
    }

    private static func script(for text: String, conversationId: String, requestId: String) -> [Step] {
        let words = text.split(separator: " ").map(String.init)
        func done(_ message: String) -> Step {
            .end(PluginEvent(kind: .done, data: JSONValue.object([
                "conversation_id": .string(conversationId), "request_id": .string(requestId), "message": .string(message),
                "usage": (try? JSONValue.parse(usage)) ?? .null, "model": .string("fake-model"), "provider": .string("fake"),
                "finish_reason": .string("stop"), "tool_hops": .int(0)]).jsonText))
        }
        let closing: [Step] = [.event(PluginEvent(kind: .usage, data: usage)), .event(PluginEvent(kind: .finish, text: "stop"))]
        switch words.first {
        case "stream":
            let count = words.count > 1 ? Int(words[1]) ?? 10 : 10
            let pause = words.count > 2 ? Int(words[2]) ?? 0 : 0
            let size = words.count > 3 ? Int(words[3]) : nil
            var steps: [Step] = []
            var whole = ""
            for index in 0..<count {
                let piece = size.map { String(repeating: "x", count: $0) } ?? "chunk-\(index) "
                if size == nil { whole += piece }
                steps.append(.event(PluginEvent(kind: .textDelta, text: piece)))
                if pause > 0 { steps.append(.pause(milliseconds: pause)) }
            }
            return steps + closing + [done(size == nil ? whole : "")]
        case "tool":
            return [
                .event(PluginEvent(kind: .toolStatus, text: "executing", id: "call-1", name: "calculator",
                                   data: #"{"arguments":{"expression":"2+2"},"hop":1}"#)),
                .pause(milliseconds: 5),
                .event(PluginEvent(kind: .toolStatus, text: "completed", id: "call-1", name: "calculator",
                                   data: #"{"duration_ms":12,"hop":1,"is_error":false,"result_preview":"4"}"#)),
                .event(PluginEvent(kind: .textDelta, text: "The answer is 4.")),
            ] + closing + [done("The answer is 4.")]
        case "hang":
            return [.waitForCancel]
        case "gate":  // one chunk, then the rest once the test calls release(requestId:)
            return [.event(PluginEvent(kind: .textDelta, text: "before ")), .waitForRelease,
                    .event(PluginEvent(kind: .textDelta, text: "after"))] + closing + [done("before after")]
        case "burst":  // burst N SIZE: N chunks at once, then nothing until cancelled
            let count = words.count > 1 ? Int(words[1]) ?? 10 : 10
            let piece = String(repeating: "x", count: words.count > 2 ? Int(words[2]) ?? 16 : 16)
            return Array(repeating: Step.event(PluginEvent(kind: .textDelta, text: piece)), count: count) + [.waitForCancel]
        case "fail":
            return [.end(PluginEvent(kind: .error, text: "the provider failed: rate limited", name: "provider_error",
                                     data: #"{"code":"rate_limited","http_status":429}"#, status: SB_ERR_UNAVAILABLE))]
        default:
            return [.event(PluginEvent(kind: .reasoningDelta, text: "Let me think.")),
                    .event(PluginEvent(kind: .textDelta, text: "Hel")), .event(PluginEvent(kind: .textDelta, text: "lo \"you\"\n"))]
                + closing + [done("Hello \"you\"\n")]
        }
    }

    /// Runs on the turn's own thread, like a provider stream.
    private func play(_ script: [Step], on turn: Turn) {
        for step in script {
            if locked({ turn.terminal != nil }) { return }
            switch step {
            case .event(let event): locked { emit(turn, event) }
            case .pause(let milliseconds): usleep(UInt32(milliseconds * 1000))
            case .waitForCancel:
                while !locked({ turn.terminal != nil }) { usleep(2_000) }
                return
            case .waitForRelease:
                while !locked({ turn.terminal != nil || releasedTurns.contains(turn.requestId) }) { usleep(2_000) }
            case .end(let event): locked { finish(turn, event) }
            }
        }
    }

    /// Numbers the event, logs it and sends it to every subscriber. Call with the lock held.
    private func emit(_ turn: Turn, _ event: PluginEvent) {
        guard turn.terminal == nil else { return }
        var numbered = event
        numbered.index = Int64(turn.log.count + 1)
        turn.log.append(numbered)
        for sink in turn.subscribers.values {
            sink.send(numbered)
            delivered += 1
        }
    }

    private func finish(_ turn: Turn, _ event: PluginEvent) {
        guard turn.terminal == nil else { return }
        var numbered = event
        numbered.index = Int64(turn.log.count + 1)
        turn.terminal = numbered
        for sink in turn.subscribers.values { sink.send(numbered) }
        turn.subscribers = [:]
    }

    // MARK: conversation and catalog ops

    private func answer(_ op: String, _ fields: [String: JSONValue], owner: String, sink: PluginEventSink) {
        let conversation = fields["conversation_id"]?.stringValue
        let owned = conversation.map { conversations[$0] == owner } ?? false
        func done(_ value: JSONValue) { sink.send(PluginEvent(kind: .done, data: value.jsonText)) }
        func notFound() {
            sink.send(PluginEvent(kind: .error, text: "no conversation '\(conversation ?? "")'", name: "not_found", status: SB_ERR_NOT_FOUND))
        }
        switch op {
        case "list_conversations":
            let mine = conversations.filter { $0.value == owner }.keys.sorted().map { JSONValue.object(["id": .string($0)]) }
            done(.object(["conversations": .array(mine), "next_cursor": .null]))
        case "get_conversation":
            guard owned, let conversation else { return notFound() }
            done(.object(["conversation": .object(["id": .string(conversation)]), "messages": .array([])]))
        case "delete_conversation":
            guard owned, let conversation else { return notFound() }
            conversations[conversation] = nil
            done(.object(["deleted": .bool(true)]))
        case "save_conversation", "unsave_conversation", "set_title":
            guard owned else { return notFound() }
            if op == "set_title" { done(.object(["title": fields["title"] ?? .null])) } else { done(.object(["saved_name": fields["name"] ?? .null])) }
        case "list_catalog":
            done(.object([
                "tools": .array([.object(["name": .string("calculator"), "source": .string("native_tools")])]),
                "prompts": .array([.object(["name": .string("summarize"), "source": .string("mcp"), "arguments": .array([])])]),
                "resources": .array([.object(["uri": .string("file:///readme"), "name": .string("readme"), "source": .string("mcp")])]),
            ]))
        case "apply_prompt":
            var id = conversation ?? ""
            if conversation == nil {
                id = "conv-\(nextConversation)"
                nextConversation += 1
                conversations[id] = owner
            } else if !owned {
                return notFound()
            }
            done(.object(["conversation_id": .string(id),
                          "messages": .array([.object(["role": .string("user"), "content": .string("Summarize this.")])])]))
        default:  // read_resource
            done(.object(["contents": .array([.object(["uri": fields["uri"] ?? .null, "text": .string("hello")])])]))
        }
    }
}
