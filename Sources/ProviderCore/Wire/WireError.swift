/// An error object as providers send it: OpenAI `{"error":{"message","type","code"}}`, OpenRouter
/// `{"error":{"code":502,"message","metadata":{"provider_name","raw"}}}`, or vLLM's top-level
/// `{"object":"error","message","type","code"}`.
///
/// A class: errors are rare, and a reference keeps every chunk that has none small to copy.
final class WireError {
    /// `code` as sent: a word, or a number written as text.
    var code: String?
    /// `code` when it was a number (OpenRouter uses HTTP statuses).
    var numericCode: Int?
    var message: String?
    var type: String?
    /// OpenRouter's `metadata.provider_name`: the upstream provider that failed.
    var providerName: String?
    /// OpenRouter's `metadata.raw`: the upstream provider's own error text.
    var raw: String?

    /// Reads an error object; nil for `null` or a value of another type.
    static func read(from reader: inout JSONReader) throws -> WireError? {
        let error = WireError()
        let isObject = try reader.readObject { reader, key in
            try error.readMember(key, from: &reader)
        }
        return isObject ? error : nil
    }

    /// Reads one member of an error object (shared with vLLM's top-level form).
    func readMember(_ key: JSONKey, from reader: inout JSONReader) throws {
        switch key {
        case "code":
            switch try reader.peekKind() {
            case .number:
                numericCode = try reader.readInt()
                code = numericCode.map(String.init)
            default: code = try reader.readString()
            }
        case "message": message = try reader.readString()
        case "type": type = try reader.readString()
        case "metadata":
            try reader.readObject { reader, key in
                switch key {
                case "provider_name": providerName = try reader.readString()
                case "raw": raw = try reader.peekKind() == .string ? try reader.readString() : try reader.readRawJSON()
                default: try reader.skipValue()
                }
            }
        default: try reader.skipValue()
        }
    }

    /// The error event's payload.
    /// - Parameter httpStatus: the response's status when it was not 2xx; else an HTTP-like
    ///   numeric code in the error (OpenRouter's convention) is used.
    func providerError(httpStatus: Int?) -> ProviderError {
        let status = httpStatus ?? numericCode.flatMap { (400...599).contains($0) ? $0 : nil }
        let code = nonEmpty(code) ?? nonEmpty(type) ?? status.map { "http_\($0)" } ?? "provider_error"
        var text = nonEmpty(message) ?? "the provider reported an error"
        if let providerName = nonEmpty(providerName) { text += " (provider: \(providerName))" }
        if let raw = nonEmpty(raw) { text += ": " + String(raw.prefix(300)) }
        let retryable = ProviderError.isRetryable(code: code, httpStatus: status)
            || type.map { ProviderError.isRetryable(code: $0, httpStatus: nil) } == true
        return ProviderError(code: code, message: text, httpStatus: status, retryable: retryable)
    }

    private func nonEmpty(_ text: String?) -> String? {
        text?.isEmpty == false ? text : nil
    }
}
