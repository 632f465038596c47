import Foundation
import JSONSupport

/// A JSON-RPC request id: MCP clients may use numbers or strings; this client sends numbers.
public enum RequestID: Hashable, Sendable, CustomStringConvertible {
    case number(Int64)
    case string(String)

    init?(_ value: JSONValue?) {
        switch value {
        case .int(let number)?: self = .number(number)
        case .string(let text)?: self = .string(text)
        case .double(let number)? where number == number.rounded() && abs(number) < 9e15: self = .number(Int64(number))
        default: return nil
        }
    }

    var json: JSONValue {
        switch self {
        case .number(let number): return .int(number)
        case .string(let text): return .string(text)
        }
    }

    public var description: String {
        switch self {
        case .number(let number): return String(number)
        case .string(let text): return "\"\(text)\""
        }
    }
}

/// A JSON-RPC error object, as a server sends it (or as this client reports a protocol failure).
public struct RPCError: Error, Sendable, Equatable {
    public var code: Int64
    public var message: String
    public var data: JSONValue?

    public static let parseError: Int64 = -32700
    public static let invalidRequest: Int64 = -32600
    public static let methodNotFound: Int64 = -32601
    public static let invalidParams: Int64 = -32602
    public static let resourceNotFound: Int64 = -32002
    public static let headerMismatch: Int64 = -32020
    public static let missingClientCapability: Int64 = -32021
    public static let unsupportedProtocolVersion: Int64 = -32022
}

/// One decoded message from a server.
public enum IncomingMessage: Sendable, Equatable {
    case result(id: RequestID, JSONValue)
    case error(id: RequestID?, RPCError)
    case request(id: RequestID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
}

/// Encoding and decoding of JSON-RPC 2.0 messages. Encoded messages never contain a newline
/// (JSON escapes it inside strings), so each is one stdio line. Pure; thread-safe.
public enum JSONRPC {
    public struct DecodingFailure: Error, Sendable, Equatable {
        public let message: String
    }

    public static func request(id: RequestID, method: String, params: JSONValue?) -> Data {
        var object: [String: JSONValue] = ["jsonrpc": .string("2.0"), "id": id.json, "method": .string(method)]
        if let params { object["params"] = params }
        return Data(JSONValue.object(object).jsonText.utf8)
    }

    public static func notification(method: String, params: JSONValue?) -> Data {
        var object: [String: JSONValue] = ["jsonrpc": .string("2.0"), "method": .string(method)]
        if let params { object["params"] = params }
        return Data(JSONValue.object(object).jsonText.utf8)
    }

    public static func response(id: RequestID, result: JSONValue) -> Data {
        Data(JSONValue.object(["jsonrpc": .string("2.0"), "id": id.json, "result": result]).jsonText.utf8)
    }

    public static func errorResponse(id: RequestID, code: Int64, message: String) -> Data {
        let error = JSONValue.object(["code": .int(code), "message": .string(message)])
        return Data(JSONValue.object(["jsonrpc": .string("2.0"), "id": id.json, "error": error]).jsonText.utf8)
    }

    /// Decodes one line or body: a message, or a batch (an array) of them (2025-03-26 allowed batches).
    /// - Throws: `DecodingFailure` for text that is not JSON-RPC.
    public static func decode(_ bytes: some Collection<UInt8>) throws(DecodingFailure) -> [IncomingMessage] {
        let value: JSONValue
        do { value = try JSONValue.parse(utf8: bytes) } catch {
            throw DecodingFailure(message: "not JSON: \(error)")
        }
        if case .array(let items) = value {
            guard !items.isEmpty, items.count <= 1_000 else { throw DecodingFailure(message: "a batch must hold 1 to 1000 messages") }
            var messages: [IncomingMessage] = []
            for item in items { messages.append(try message(item)) }
            return messages
        }
        return [try message(value)]
    }

    static func message(_ value: JSONValue) throws(DecodingFailure) -> IncomingMessage {
        guard case .object(let object) = value else { throw DecodingFailure(message: "a JSON-RPC message must be an object") }
        if let method = object["method"]?.stringValue {
            if let id = RequestID(object["id"]) { return .request(id: id, method: method, params: object["params"]) }
            return .notification(method: method, params: object["params"])
        }
        if let error = object["error"] {
            guard case .object(let fields) = error, let code = fields["code"]?.integer else {
                throw DecodingFailure(message: "an error response needs error.code")
            }
            let rpcError = RPCError(code: code, message: fields["message"]?.stringValue ?? "", data: fields["data"])
            return .error(id: RequestID(object["id"]), rpcError)
        }
        guard let id = RequestID(object["id"]), let result = object["result"] else {
            throw DecodingFailure(message: "neither a request, a notification nor a response")
        }
        return .result(id: id, result)
    }
}

extension JSONValue {
    /// An integer value (a whole double counts).
    var integer: Int64? {
        switch self {
        case .int(let number): return number
        case .double(let number) where number == number.rounded() && abs(number) < 9e15: return Int64(number)
        default: return nil
        }
    }

    /// A numeric value as a Double.
    var number: Double? {
        switch self {
        case .int(let number): return Double(number)
        case .double(let number): return number
        default: return nil
        }
    }

    var members: [String: JSONValue]? { if case .object(let members) = self { return members } else { return nil } }
    var elements: [JSONValue]? { if case .array(let items) = self { return items } else { return nil } }
    var flag: Bool? { if case .bool(let flag) = self { return flag } else { return nil } }
}
