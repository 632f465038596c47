import Foundation
import Host
import PluginTestKit
import Testing

/// `switchboard ask`, run as an operator checking a key or a model, against the mock.
@Suite struct AskCommandTests {
    func ask(_ arguments: [String], mock: MockLLM, model: String) async throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = NSTemporaryDirectory() + "ask-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/plugins", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for plugin in ["OpenAI", "Groq"] {
            try FileManager.default.copyItem(atPath: ProviderHarness.buildDirectory + "/lib\(plugin).so", toPath: folder + "/plugins/lib\(plugin).so")
        }
        try """
            plugins:
              OpenAI: {config: {base_url: "\(mock.baseURL)", model: "\(model)", api_key: sk-test-secret-4242}}
              Groq: {config: {base_url: "\(mock.baseURL)", model: "mock/text?chunks=2"}}
            active: {provider: openai}
            """.write(toFile: folder + "/plugins.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProviderHarness.buildDirectory + "/switchboard")
        process.arguments = ["ask", "--config", folder + "/plugins.yaml"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return await offThePool {  // blocking reads and the wait stay off the cooperative pool
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, stdout, stderr)
        }
    }

    @Test func printsTheReplyAsItStreamsReasoningApartAndUsageAtTheEnd() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let result = try await ask(["Say hello"], mock: mock, model: "mock/reasoning?field=reasoning_content")
        #expect(result.status == 0)
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "Answer.")
        #expect(result.stderr.contains("[reasoning] Let me think."))
        #expect(result.stderr.contains("[usage] prompt 11, completion 7, total 18, cached 3"))
    }

    @Test func providerAndModelCanBeChosen() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let groq = try await ask(["--provider", "groq", "hi"], mock: mock, model: "unused")
        #expect(groq.status == 0 && groq.stdout.hasPrefix("w0 w1 "))
        let model = try await ask(["--model", "mock/text?chunks=1", "hi"], mock: mock, model: "mock/status?code=500")
        #expect(model.status == 0 && model.stdout.hasPrefix("w0 "))
    }

    @Test func aProviderErrorExitsNonZeroWithTheErrorAndNoKey() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let result = try await ask(["hi"], mock: mock, model: "mock/status?code=401")
        #expect(result.status == 1)
        #expect(result.stderr.contains("switchboard: openai error"))
        #expect(result.stderr.contains("(HTTP 401)"))
        #expect(!result.stderr.contains("sk-test-secret-4242"))
        let unknown = try await ask(["--provider", "nope", "hi"], mock: mock, model: "m")
        #expect(unknown.status == 1 && unknown.stderr.contains("no loaded plugin offers a provider named 'nope' (available: groq, openai)"))
        let empty = try await ask([], mock: mock, model: "m")
        #expect(empty.status == 2)
    }
}
