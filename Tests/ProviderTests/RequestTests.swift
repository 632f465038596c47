import Foundation
import Host
import PluginABI
import PluginTestKit
import Testing

/// What the providers send: parameter pass-through, per-request overrides, keys, quirks.
@Suite struct RequestTests {
    @Test func configParametersPassThroughAndTheRequestOverridesThem() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["temperature": .double(0.3), "brand_new_parameter": .int(7), "max_tokens": .int(50)])
        defer { provider.destroy() }
        _ = try await ProviderHarness.chat(provider, extra: ["temperature": .double(0.9)])
        let sent = try #require(try await mock.requests().last)
        let body = try #require(sent["body"])
        #expect(body["temperature"] == .double(0.9))
        #expect(body["brand_new_parameter"] == .int(7))
        #expect(body["max_tokens"] == .int(50))
        #expect(body["model"] == .string("mock/text"))
        #expect(body["stream"] == .bool(true))
        for key in ["base_url", "api_key", "retry", "timeout"] { #expect(body[key] == nil, "\(key) is infrastructure, not a parameter") }
        #expect(sent["headers"]?["authorization"] == .string("Bearer sk-test-secret-4242"))
    }

    @Test func openAIReasoningModelsGetMaxCompletionTokens() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, ["model": .string("o3-mini"), "max_tokens": .int(99), "temperature": .double(0.5)])
        defer { provider.destroy() }
        _ = try await ProviderHarness.chat(provider)
        let body = try #require(try await mock.requests().last?["body"])
        #expect(body["max_completion_tokens"] == .int(99))
        #expect(body["max_tokens"] == nil && body["temperature"] == nil)
    }

    @Test func groqDropsParametersItRejects() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        let provider = try ProviderHarness.create(mock: mock, plugin: "Groq", component: "groq", ["logprobs": .bool(true), "n": .int(2)])
        defer { provider.destroy() }
        let named: JSONValue = .array([.object(["role": .string("user"), "content": .string("hi"), "name": .string("ann")])])
        _ = try await ProviderHarness.chat(provider, extra: ["messages": named])
        let body = try #require(try await mock.requests().last?["body"])
        #expect(body["logprobs"] == nil && body["n"] == nil)
        #expect(body["messages"] == .array([.object(["role": .string("user"), "content": .string("hi")])]))
    }

    @Test func baseURLComesFromConfigThenEnvironmentThenDefault() async throws {
        let mock = try await MockLLM.start()
        defer { mock.stop() }
        setenv("GROQ_BASE_URL", mock.baseURL, 1)  // only the Groq plugin reads this variable
        defer { unsetenv("GROQ_BASE_URL") }
        let provider = try ProviderHarness.create(plugin: "Groq", component: "groq", config: ["model": .string("mock/text")])
        defer { provider.destroy() }
        #expect(try await ProviderHarness.chat(provider).terminal?.kind == .done)
        #expect(provider.describe()?.contains(mock.baseURL) == true)
        let overridden = try ProviderHarness.create(plugin: "Groq", component: "groq", config: ["base_url": .string("http://127.0.0.1:1/v1")])
        defer { overridden.destroy() }
        #expect(overridden.describe()?.contains("127.0.0.1:1/v1") == true, "config wins over the environment")
    }

    @Test func badConfigAndBadRequestsAreClearErrors() throws {
        #expect(throws: ComponentError(status: SB_ERR_INVALID, message: "base_url must be an http or https URL, found \"ftp://x\"")) {
            try ProviderHarness.create(config: ["base_url": .string("ftp://x")])
        }
        #expect(throws: ComponentError(status: SB_ERR_INVALID, message: "retry.max_attempts must be a whole number >= 0")) {
            try ProviderHarness.create(config: ["retry": .object(["max_attempts": .string("three")])])
        }
        let provider = try ProviderHarness.create(config: ["base_url": .string("http://127.0.0.1:1/v1")])
        defer { provider.destroy() }
        #expect(throws: ComponentError(status: SB_ERR_INVALID, message: "no model: set \"model\" in the provider's config block or in the request")) {
            try provider.start(op: "chat", request: #"{"messages": []}"#)
        }
        #expect(throws: ComponentError.self) { try provider.start(op: "chat", request: "not json") }
        #expect(throws: ComponentError.self) { try provider.start(op: "embed", request: "{}") }
    }
}
