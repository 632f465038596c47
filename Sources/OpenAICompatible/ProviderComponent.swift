import CurlHTTP
import Foundation
import PluginABI
import PluginKit

/// The provider component every OpenAI-compatible plugin registers: op "chat" (streamed or not).
public enum ProviderComponent {
    /// The PluginKit component for `profile`, named after it ("openai", "openrouter", "groq").
    public static func make(_ profile: ProviderProfile, summary: String) -> Component {
        Component(kind: .provider, name: profile.name, summary: summary) { context throws(PluginError) in
            try ProviderInstance(profile: profile, context: context)
        }
    }
}

/// One created provider: the client plus the ABI's lifecycle.
final class ProviderInstance: ComponentImplementation {
    private let client: ProviderClient
    private let profile: ProviderProfile

    init(profile: ProviderProfile, context: CreateContext) throws(PluginError) {
        self.profile = profile
        let settings: ProviderSettings
        do { settings = try ProviderSettings(json: context.configJSON, profile: profile, environment: ProcessInfo.processInfo.environment) } catch {
            throw .invalid(error.message)
        }
        guard let multi = CurlMulti() else { throw PluginError(SB_ERR_NOMEM, "libcurl could not create a multi handle") }
        client = ProviderClient(profile: profile, settings: settings, multi: multi)
        if settings.apiKey?.isEmpty ?? true {
            context.log(SB_LOG_WARN, "no API key: set api_key in the config block or \(profile.apiKeyVariable) (fine for local servers)")
        }
        context.log(SB_LOG_INFO, "\(profile.name) provider ready: \(settings.baseURL)")
    }

    func start(_ operation: PluginKit.Operation) throws(PluginError) {
        guard operation.op == "chat" else { throw .unsupported("\(profile.name) supports the op \"chat\"") }
        try client.chat(operation)
    }

    func reconfigure(configJSON: String) throws(PluginError) {
        do { client.update(try ProviderSettings(json: configJSON, profile: profile, environment: ProcessInfo.processInfo.environment)) } catch {
            throw .invalid(error.message)
        }
    }

    func describe() -> String? { client.statusJSON }

    func shutdown() { client.multi.shutdown() }
}
