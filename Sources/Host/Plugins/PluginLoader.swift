import Foundation
import Glibc
import PluginABI
import Synchronization

/// Opens plugin files and validates what their entry returns.
///
/// A file is opened at most once per process with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE` and
/// never closed (the Swift runtime keeps pointers into an image after dlclose and crashes); the outcome is cached by
/// real path, so `sb_plugin_entry` runs once however often the file is asked for.
public enum PluginLoader {
    private static let cache = Mutex<[String: Result<LoadedPlugin, PluginLoadError>]>([:])

    /// Loads the plugin at `path`, logging through `services` while its entry runs.
    public static func load(path: String, services: HostServices) -> Result<LoadedPlugin, PluginLoadError> {
        let key = realpath(path, nil).map { resolved in defer { free(resolved) }; return String(cString: resolved) } ?? path
        // Held across the load: entries run one at a time, on one thread, as the ABI promises.
        return cache.withLock { cached in
            if let outcome = cached[key] { return outcome }
            let outcome = Result { () throws(PluginLoadError) in try open(path: path, services: services) }
            cached[key] = outcome
            return outcome
        }
    }

    private static func open(path: String, services: HostServices) throws(PluginLoadError) -> LoadedPlugin {
        func failure(_ reason: String) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }

        var info = stat()
        guard stat(path, &info) == 0 else { throw failure("cannot open: \(String(cString: strerror(errno)))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw failure("not a regular file") }

        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let detail = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw failure("not a loadable shared library: \(detail)")
        }
        guard let symbol = dlsym(handle, SB_ENTRY_SYMBOL) else {
            throw failure("not a Switchboard plugin: it does not export \(SB_ENTRY_SYMBOL)")
        }
        let entry = unsafeBitCast(symbol, to: sb_plugin_entry_fn.self)

        let pluginContext = services.makeContext(name: "plugin:\((path as NSString).lastPathComponent)")
        HostAPITable.loading.withLock { $0 = pluginContext }
        defer { HostAPITable.loading.withLock { $0 = nil } }
        var descriptorPointer: UnsafePointer<sb_plugin_desc>?
        let (status, message) = ErrorBuffer.call { entry(HostAPITable.pointer, &descriptorPointer, $0, $1) }
        guard status == SB_OK else {
            throw failure("\(SB_ENTRY_SYMBOL) failed with \(StatusName.of(status)): \(message.isEmpty ? "(no message)" : message)")
        }
        guard let descriptorPointer else { throw failure("\(SB_ENTRY_SYMBOL) returned SB_OK but no descriptor") }
        return try validate(descriptorPointer, path: path)
    }

    /// Checks the descriptor: size, ABI version, toolchain, and every component.
    static func validate(_ pointer: UnsafePointer<sb_plugin_desc>, path: String) throws(PluginLoadError) -> LoadedPlugin {
        func failure(_ reason: String) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }
        let descriptor: sb_plugin_desc = copyPrefix(of: pointer, size: pointer.pointee.struct_size)
        let minimumSize = MemoryLayout<sb_plugin_desc>.offset(of: \sb_plugin_desc.components)! + MemoryLayout<UnsafeRawPointer>.size
        guard Int(descriptor.struct_size) >= minimumSize else {
            throw failure("descriptor struct_size \(descriptor.struct_size) is smaller than ABI 1.0's \(minimumSize) bytes")
        }

        let plugin = ABIVersion(packed: descriptor.abi_version), host = ABIVersion.host
        guard plugin.major == host.major else {
            throw failure("ABI major version mismatch: plugin built for ABI \(plugin), host implements ABI \(host); rebuild the plugin against this host's switchboard.h")
        }
        guard plugin.minor <= host.minor else {
            throw failure("plugin needs ABI \(plugin), newer than this host's ABI \(host); upgrade the host")
        }
        let toolchain = descriptor.toolchain.map { String(cString: $0) }
        if let toolchain, let hostToolchain = sb_swift_toolchain().map({ String(cString: $0) }), toolchain != hostToolchain {
            throw failure("toolchain mismatch: plugin built with '\(toolchain)', host built with '\(hostToolchain)'; Swift plugins must be built by the host's toolchain")
        }
        guard let namePointer = descriptor.name, case let name = String(cString: namePointer), !name.isEmpty else {
            throw failure("descriptor has no name")
        }
        guard descriptor.component_count <= 1024 else { throw failure("descriptor claims \(descriptor.component_count) components") }
        guard descriptor.component_count == 0 || descriptor.components != nil else { throw failure("descriptor lists components but the array is NULL") }

        var components: [ComponentDescriptor] = []
        for index in 0..<Int(descriptor.component_count) {
            guard let componentPointer = descriptor.components[index] else { throw failure("component \(index) is NULL") }
            let component = try validate(componentPointer, index: index, pluginName: name, path: path)
            if components.contains(where: { $0.name == component.name }) {
                throw failure("declares component '\(component.name)' twice")
            }
            components.append(component)
        }
        return LoadedPlugin(path: path, name: name, version: descriptor.version.map { String(cString: $0) } ?? "",
                            summary: descriptor.description.map { String(cString: $0) } ?? "",
                            abiVersion: plugin.description, toolchain: toolchain, components: components)
    }

    private static func validate(_ pointer: UnsafePointer<sb_component>, index: Int, pluginName: String,
                                 path: String) throws(PluginLoadError) -> ComponentDescriptor {
        func failure(_ reason: String) -> PluginLoadError { PluginLoadError(path: path, reason: reason) }
        let component: sb_component = copyPrefix(of: pointer, size: pointer.pointee.struct_size)
        guard Int(component.struct_size) >= MemoryLayout<sb_component>.size else {
            throw failure("component \(index) struct_size \(component.struct_size) is smaller than ABI 1.0's \(MemoryLayout<sb_component>.size) bytes")
        }
        guard let namePointer = component.name, case let name = String(cString: namePointer), isValidComponentName(name) else {
            throw failure("component \(index) has no valid name (lowercase letters, digits, '_' and '-', starting with a letter)")
        }
        guard let kind = ComponentKind(rawValue: component.kind) else {
            throw failure("component '\(name)' has unknown kind \(component.kind)")
        }
        guard component.create != nil, component.destroy != nil, component.start != nil, component.cancel != nil else {
            throw failure("component '\(name)' lacks a required function (create, destroy, start and cancel are required)")
        }
        return ComponentDescriptor(kind: kind, name: name, summary: component.description.map { String(cString: $0) } ?? "",
                                   pluginName: pluginName, vtable: component)
    }

    static func isValidComponentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
    }

    /// Copies min(size, sizeof(T)) bytes into a zeroed T: absent tail fields read as zero/NULL.
    static func copyPrefix<T>(of pointer: UnsafePointer<T>, size: UInt32) -> T {
        let local = UnsafeMutablePointer<T>.allocate(capacity: 1)
        defer { local.deallocate() }
        let raw = UnsafeMutableRawPointer(local)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<T>.size)
        raw.copyMemory(from: pointer, byteCount: min(Int(size), MemoryLayout<T>.size))
        return local.pointee
    }
}
