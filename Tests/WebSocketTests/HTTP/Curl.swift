import Foundation
import Host
import PluginTestKit

/// One HTTP exchange made with the real `curl` (nobody here wrote it): status, headers
/// (lowercased names), body. Runs off the cooperative pool, bounded by `--max-time`.
struct CurlResponse: Sendable {
    let status: Int
    let headers: [String: String]
    let body: String

    var json: JSONValue { (try? JSONValue.parse(body)) ?? .null }
    var errorCode: String? { json["error"]?["code"]?.stringValue }

    /// Runs curl with `arguments` (the URL among them) and parses what it printed.
    static func run(_ arguments: [String], timeout: Double = 15) async throws -> CurlResponse {
        let output = await offThePool { () -> (Int32, String) in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            process.arguments = ["-s", "-i", "--max-time", String(timeout)] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { return (-1, "") }
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, String(decoding: data, as: UTF8.self))
        }
        // Skip interim 100 Continue responses.
        var text = output.1
        while text.hasPrefix("HTTP/1.1 100"), let end = text.range(of: "\r\n\r\n") { text = String(text[end.upperBound...]) }
        guard let split = text.range(of: "\r\n\r\n") else {
            throw WebSocketTestFailure("curl \(arguments) exited \(output.0) with no response: \(text.prefix(300))")
        }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return CurlResponse(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    /// The SSE events of the body: (event name, parsed data).
    var events: [(name: String, data: JSONValue)] {
        body.components(separatedBy: "\n\n").compactMap { block in
            var name = "", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard !name.isEmpty, let value = try? JSONValue.parse(data) else { return nil }
            return (name, value)
        }
    }
}
