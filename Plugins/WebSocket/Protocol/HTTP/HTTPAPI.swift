import JSONSupport

/// The HTTP API's requests and responses (docs/HTTP.md), mapped onto the host ops of
/// docs/PLUGINS.md: sessions are conversations. Pure: the transport runs what `plan` returns
/// and gives the host's answer to `reply(for:done:)` or `reply(forError:...)`.
public enum HTTPAPI {
    public enum Plan: Sendable {
        case reply(HTTPReply)
        case call(HTTPHostCall)
        /// Served by the transport itself (the rate-limit bypass list).
        case bypassList, bypassAdd(String), bypassRemove(String)
        /// The runtime configuration, read through `host->config_get("")` and given to `configReply`.
        case runtimeConfig
    }

    /// - Parameters:
    ///   - requestId: the request's id (the client's `Idempotency-Key` for a turn, else the X-Request-ID).
    public static func plan(route: HTTPRoute, owner: String, body: [UInt8], head: HTTPRequestHead, requestId: String) -> Plan {
        switch route {
        case .health: return .call(HTTPHostCall(op: "health", request: .object([:]), shape: .health))
        case .metrics: return .call(HTTPHostCall(op: "metrics", request: .object([:]), shape: .metrics))
        case .listSessions:
            var request: [String: JSONValue] = ["owner": .string(owner)]
            if let limit = head.query["limit"].flatMap({ Int64($0) }) { request["limit"] = .int(limit) }
            if let cursor = head.query["cursor"], !cursor.isEmpty { request["cursor"] = .string(cursor) }
            return .call(HTTPHostCall(op: "list_conversations", request: .object(request), shape: .sessionList))
        case .getSession(let id):
            var request: [String: JSONValue] = ["owner": .string(owner), "conversation_id": .string(id)]
            if let limit = head.query["messages_limit"].flatMap({ Int64($0) }) { request["messages_limit"] = .int(limit) }
            return .call(HTTPHostCall(op: "get_conversation", request: .object(request), shape: .session(id)))
        case .deleteSession(let id):
            return .call(HTTPHostCall(op: "delete_conversation", request: .object(["owner": .string(owner), "conversation_id": .string(id)]),
                                      shape: .deletedSession(id)))
        case .createSession: return createSession(owner: owner, body: body)
        case .postMessage(let id): return postMessage(session: id, owner: owner, body: body, head: head, requestId: requestId)
        case .adminConfig: return .runtimeConfig
        case .adminConfigGet(let key):
            return .call(HTTPHostCall(op: "config_get", request: .object(["key": .string(key)]), shape: .configChange))
        case .adminConfigUnset(let key):
            return .call(HTTPHostCall(op: "config_unset", request: .object(["key": .string(key)]), shape: .configChange))
        case .adminConfigReset:
            return .call(HTTPHostCall(op: "config_reset", request: .object([:]), shape: .configChange))
        case .adminConfigSet(let key):
            switch parseObject(body, allowEmpty: false) {
            case .failure(let reply): return .reply(reply)
            case .success(let object):
                guard let value = object["value"] else { return .reply(invalid("value", "field required: the new value (any JSON value)")) }
                return .call(HTTPHostCall(op: "config_set", request: .object(["key": .string(key), "value": value]), shape: .configChange))
            }
        case .adminServers: return .call(HTTPHostCall(op: "servers", request: .object(["owner": .string(owner)]), shape: .servers))
        case .adminRestart(let server):
            var request: [String: JSONValue] = ["owner": .string(owner), "server": .string(server)]
            if let source = head.query["source"] { request["source"] = .string(source) }
            return .call(HTTPHostCall(op: "restart_server", request: .object(request), shape: .restarted))
        case .adminBypassList: return .bypassList
        case .adminBypassAdd:
            switch parseObject(body, allowEmpty: false) {
            case .failure(let reply): return .reply(reply)
            case .success(let object):
                guard case .string(let ip)? = object["ip"], !ip.isEmpty, ip.utf8.count <= 64 else {
                    return .reply(invalid("ip", "field required: the client address to exempt, as a string"))
                }
                return .bypassAdd(ip)
            }
        case .adminBypassRemove(let ip): return .bypassRemove(ip)
        case .preflight: return .reply(HTTPReply(status: 204, body: []))
        }
    }

    // MARK: sessions

    private static func createSession(owner: String, body: [UInt8]) -> Plan {
        let object: [String: JSONValue]
        switch parseObject(body, allowEmpty: true) {
        case .failure(let reply): return .reply(reply)
        case .success(let parsed): object = parsed
        }
        var request: [String: JSONValue] = ["owner": .string(owner)]
        switch object["metadata"] {
        case nil, .null?: break
        case .object(let metadata)?: request["metadata"] = .object(metadata)
        default: return .reply(invalid("metadata", "must be an object"))
        }
        switch memoryLimit(object["memory_limit"]) {
        case .failure(let reply): return .reply(reply)
        case .success(let limit?): request["memory_limit"] = .int(limit)
        case .success(nil): break
        }
        return .call(HTTPHostCall(op: "create_conversation", request: .object(request), shape: .createdSession))
    }

    private static func postMessage(session: String, owner: String, body: [UInt8], head: HTTPRequestHead, requestId: String) -> Plan {
        let object: [String: JSONValue]
        switch parseObject(body, allowEmpty: false) {
        case .failure(let reply): return .reply(reply)
        case .success(let parsed): object = parsed
        }
        guard let content = object["content"], content != .null else {
            if object["message"] != nil {
                return .reply(invalid("content", "field required: the text goes in 'content' ('message' is not accepted)"))
            }
            return .reply(invalid("content", "field required"))
        }
        guard case .string(let text) = content, !text.isEmpty else { return .reply(invalid("content", "must be a non-empty string")) }
        if let role = object["role"], role != .null, role != .string("user") {
            return .reply(invalid("role", "only \"user\" is accepted"))
        }
        var options: [String: JSONValue] = [:]
        switch object["options"] {
        case nil, .null?: break
        case .object(let given)?: options = given
        default: return .reply(invalid("options", "must be an object"))
        }
        var request: [String: JSONValue] = ["owner": .string(owner), "request_id": .string(requestId), "text": .string(text),
                                            "conversation_id": .string(session)]
        for field in ["model", "tool_name"] {
            guard let value = options.removeValue(forKey: field) ?? object[field], value != .null else { continue }
            guard case .string(let name) = value, !name.isEmpty else { return .reply(invalid("options.\(field)", "must be a non-empty string")) }
            request[field] = .string(name)
        }
        switch memoryLimit(options.removeValue(forKey: "memory_limit") ?? object["memory_limit"]) {
        case .failure(let reply): return .reply(reply)
        case .success(let limit?): request["memory_limit"] = .int(limit)
        case .success(nil): break
        }
        if !options.isEmpty { request["options"] = .object(options) }
        let stream = head.header("accept")?.lowercased().contains("text/event-stream") == true || object["stream"] == .bool(true)
        request["stream"] = .bool(stream)
        let precheck: JSONValue = .object(["owner": .string(owner), "conversation_id": .string(session), "messages_limit": .int(1)])
        return .call(HTTPHostCall(op: "chat", request: .object(request), shape: .message(sessionId: session), stream: stream, precheck: precheck))
    }

    private static func memoryLimit(_ value: JSONValue?) -> Result<Int64?, HTTPReply> {
        switch value {
        case nil, .null?: return .success(nil)
        case .int(let limit)? where limit > 0 && limit <= 100_000: return .success(limit)
        default: return .failure(invalid("memory_limit", "must be an integer from 1 to 100000"))
        }
    }

    // MARK: results

    /// The response for a host op's `DONE` data.
    public static func reply(for shape: HTTPHostCall.Shape, done data: JSONValue) -> HTTPReply {
        switch shape {
        case .createdSession:
            var session = data["conversation"]?.objectValue ?? data.objectValue ?? [:]
            if let id = session["id"] ?? session["conversation_id"] ?? data["conversation_id"] { session["session_id"] = id }
            return .json(201, .object(session))
        case .sessionList:
            let sessions = (data["conversations"]?.arrayValue ?? []).map(sessionFields)
            return .json(200, .object(["sessions": .array(sessions), "next_cursor": data["next_cursor"] ?? .null]))
        case .session(let id):
            var session = data["conversation"].map(sessionFields)?.objectValue ?? [:]
            session["session_id"] = .string(id)
            session["messages"] = data["messages"] ?? .array([])
            return .json(200, .object(session))
        case .deletedSession(let id):
            return .json(200, .object(["session_id": .string(id), "deleted": .bool(true)]))
        case .message(let sessionId):
            return .json(200, messageReply(sessionId: sessionId, done: data))
        case .health:
            return .json(data["ready"] == .bool(false) ? 503 : 200, data)
        case .metrics:
            return HTTPReply(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array((data["text"]?.stringValue ?? "").utf8))
        case .config:
            return .json(200, .object(["config": redacted(data["value"] ?? data)]))
        case .servers, .restarted:
            return .json(200, data)
        case .configChange:
            // The host redacted the value; redact it again under its own name, never the fields around it.
            guard var fields = data.objectValue else { return .json(200, data) }
            if let value = fields["value"] {
                let name = (fields["resolved_key"] ?? fields["key"])?.stringValue?.split(separator: ".").last.map(String.init)
                fields["value"] = redacted(value, key: name)
            }
            return .json(200, .object(fields))
        }
    }

    /// `{"config": ...}`: the host's effective configuration (JSON text) with every secret redacted.
    public static func configReply(_ json: String?) -> HTTPReply {
        guard let json, let value = try? JSONValue.parse(json) else { return .error(500, "internal_error", "the host gave no configuration") }
        return .json(200, .object(["config": redacted(value)]))
    }

    /// `{session_id, request_id, message: {role: "assistant", content}, usage, model, provider, finish_reason, tool_hops}`.
    public static func messageReply(sessionId: String, done data: JSONValue) -> JSONValue {
        var content = ""
        switch data["message"] {
        case .string(let text)?: content = text
        case .object(let stored)?: content = stored["content"]?.stringValue ?? ""
        default: break
        }
        var reply: [String: JSONValue] = ["session_id": .string(sessionId), "message": .object(["role": .string("assistant"), "content": .string(content)])]
        for key in ["request_id", "usage", "model", "provider", "finish_reason", "tool_hops"] { if let value = data[key] { reply[key] = value } }
        return .object(reply)
    }

    /// A host `ERROR` as a response: the status from its code word (or `sb_status`), the word as `code`.
    public static func reply(forError reason: String, status: Int32, message: String, data: JSONValue?) -> HTTPReply {
        let word = reason.isEmpty ? ClientError.reason(forStatus: status) : reason
        var details: [String: JSONValue] = [:]
        if let data, data != .null { details["details"] = data }
        return .error(ClientError.code(forHostReason: word, status: status), word, message.isEmpty ? word : message, details: details)
    }

    /// Values under key-, token-, secret- or password-like names replaced, as a second line of
    /// defence after the host's redaction (which leaves `api_keys[].key` as written).
    public static func redacted(_ value: JSONValue, key: String? = nil) -> JSONValue {
        switch value {
        case .object(let members): return .object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, redacted($0.value, key: $0.key)) }))
        case .array(let items): return .array(items.map { redacted($0, key: key) })
        case .string(let text) where !text.hasPrefix("env:"):
            guard let name = key?.lowercased() else { return value }
            let secret = ["key", "token", "secret", "password", "authorization", "credential"].contains { name.contains($0) }
            return secret ? .string("<redacted>") : value
        default: return value
        }
    }

    private static func sessionFields(_ conversation: JSONValue) -> JSONValue {
        guard var fields = conversation.objectValue else { return conversation }
        if let id = fields["id"] ?? fields["conversation_id"] { fields["session_id"] = id }
        return .object(fields)
    }

    // MARK: bodies

    static func parseObject(_ body: [UInt8], allowEmpty: Bool) -> Result<[String: JSONValue], HTTPReply> {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return allowEmpty ? .success([:]) : .failure(.error(400, "invalid_json", "the request body must be a JSON object"))
        }
        let parsed: JSONValue
        do { parsed = try body.withUnsafeBytes { try JSONValue.parse(utf8: $0) } } catch {
            return .failure(.error(400, "invalid_json", "the request body is not valid JSON: \(error)"))
        }
        guard case .object(let object) = parsed else { return .failure(.error(400, "invalid_json", "the request body must be a JSON object")) }
        return .success(object)
    }

    /// 422 naming the field, with the validation issue in `details`.
    static func invalid(_ field: String, _ message: String) -> HTTPReply {
        .error(422, "validation_error", "\(field): \(message)",
               details: ["details": .array([.object(["field": .string(field), "message": .string(message)])])])
    }
}
