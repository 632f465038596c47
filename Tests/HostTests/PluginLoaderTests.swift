import Foundation
import Testing
@testable import Host
import PluginABI

/// Every loader failure the ABI names, each provoked by a real .so compiled for the purpose.
@Suite struct PluginLoaderTests {
    let services = HostServices(logger: Logger(level: .error))

    func loadFixture(_ defines: [String: String] = [:]) async throws -> (Result<LoadedPlugin, PluginLoadError>, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let path = try await FixturePlugin.compile(to: directory.path + "/libFixture.so", defines: defines)
        return (PluginLoader.load(path: path, services: services), directory)
    }

    func failure(_ defines: [String: String]) async throws -> String {
        let (result, directory) = try await loadFixture(defines)
        defer { directory.remove() }
        guard case .failure(let error) = result else { Issue.record("expected a load failure"); return "" }
        return error.message
    }

    @Test func validCPluginLoadsWithItsComponents() async throws {
        let (result, directory) = try await loadFixture()
        defer { directory.remove() }
        let plugin = try result.get()
        #expect(plugin.name == "Fixture" && plugin.version == "0.1.0" && plugin.abiVersion == "1.0" && plugin.toolchain == nil)
        #expect(plugin.components.map(\.name) == ["fixture"])
        #expect(plugin.components.first?.kind == .provider)
    }

    @Test func fileThatIsNotASharedLibraryIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write("libText.so", "this is not an ELF file\n")
        guard case .failure(let error) = PluginLoader.load(path: path, services: services) else { Issue.record("loaded a text file"); return }
        #expect(error.message.hasPrefix("libText.so: not a loadable shared library:"))
    }

    @Test func sharedLibraryWithoutTheEntryIsNotAPlugin() async throws {
        #expect(try await failure(["FIXTURE_NO_ENTRY": "1"]) == "libFixture.so: not a Switchboard plugin: it does not export sb_plugin_entry")
    }

    @Test func abiMajorMismatchNamesFileAndBothVersions() async throws {
        #expect(try await failure(["FIXTURE_MAJOR": "2"])
                == "libFixture.so: ABI major version mismatch: plugin built for ABI 2.0, host implements ABI 1.0; rebuild the plugin against this host's switchboard.h")
    }

    @Test func pluginMinorNewerThanHostIsRefused() async throws {
        #expect(try await failure(["FIXTURE_MINOR": "7"]) == "libFixture.so: plugin needs ABI 1.7, newer than this host's ABI 1.0; upgrade the host")
    }

    @Test func toolchainMismatchIsRefused() async throws {
        let message = try await failure(["FIXTURE_TOOLCHAIN": "\"swift-clang 0.0.0 (another toolchain)\""])
        #expect(message.hasPrefix("libFixture.so: toolchain mismatch: plugin built with 'swift-clang 0.0.0 (another toolchain)', host built with 'swift-clang "))
    }

    @Test func entryFailureShowsThePluginsMessage() async throws {
        #expect(try await failure(["FIXTURE_ENTRY_FAILS": "\"license file missing\""])
                == "libFixture.so: sb_plugin_entry failed with SB_ERR_IO: license file missing")
    }

    @Test func invalidComponentNameIsRefused() async throws {
        #expect(try await failure(["FIXTURE_COMPONENT": "\"Bad Name\""]).contains("component 0 has no valid name"))
    }

    @Test func missingFileIsReported() {
        guard case .failure(let error) = PluginLoader.load(path: "/nonexistent/libX.so", services: services) else { return }
        #expect(error.message == "libX.so: cannot open: No such file or directory")
    }

    @Test func entryRunsOncePerFileAndTheOutcomeIsCached() async throws {
        let (first, directory) = try await loadFixture()
        defer { directory.remove() }
        let second = PluginLoader.load(path: directory.path + "/libFixture.so", services: services)
        #expect(try first.get().path == second.get().path)
    }

    @Test func eventsDeliveredInsideStartAreReceived() async throws {
        let (result, directory) = try await loadFixture()
        defer { directory.remove() }
        let component = try #require(try result.get().components.first)
        let instance = try ComponentInstance(descriptor: component, config: .object([:]), services: services)
        defer { instance.destroy() }
        let events = try await instance.start(op: "chat", request: "{}").events.collect()
        #expect(events.map(\.kind) == [.textDelta, .done])
        #expect(events.first?.text == "fixture")
    }

    @Test func createFailureShowsThePluginsMessage() async throws {
        let (result, directory) = try await loadFixture(["FIXTURE_CREATE_FAILS": "\"api_key is empty\""])
        defer { directory.remove() }
        let component = try #require(try result.get().components.first)
        let error = #expect(throws: ComponentError.self) { try ComponentInstance(descriptor: component, config: .object([:]), services: services) }
        #expect(error == ComponentError(status: SB_ERR_INVALID, message: "api_key is empty"))
    }
}
