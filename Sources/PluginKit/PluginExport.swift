import Glibc
import PluginABI
import Synchronization

/// Builds a Swift plugin's descriptor and the C thunks behind its components.
///
/// Usage, in the plugin's one exported function:
/// ```swift
/// @c @implementation
/// public func sb_plugin_entry(_ host: UnsafePointer<sb_host_api>?, _ out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
///                             _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int) -> sb_status {
///     PluginExport.entry(name: "MyPlugin", version: "1.0.0", summary: "...", components: [myComponent],
///                        host: host, descriptor: out, err: err, errCapacity: errCapacity)
/// }
/// ```
/// PluginKit is compiled into each plugin (never shared with the host), so these globals are the plugin's own.
public enum PluginExport {
    private static let definitions = Mutex<[String: Component]>([:])
    private static let descriptor = Mutex<UnsafePointer<sb_plugin_desc>?>(nil)

    /// Fills the descriptor on the first call and returns the same one afterwards.
    public static func entry(name: String, version: String, summary: String, components: [Component],
                             host: UnsafePointer<sb_host_api>?, descriptor out: UnsafeMutablePointer<UnsafePointer<sb_plugin_desc>?>?,
                             err: UnsafeMutablePointer<CChar>?, errCapacity: Int) -> sb_status {
        guard let host, let out else {
            sb_set_error(err, errCapacity, "sb_plugin_entry needs host and out_desc")
            return SB_ERR_INVALID
        }
        guard sb_abi_major(host.pointee.abi_version) == UInt32(SB_ABI_MAJOR),
              sb_abi_minor(host.pointee.abi_version) >= UInt32(SB_ABI_MINOR) else {
            sb_set_error(err, errCapacity, "\(name) needs a host with ABI \(SB_ABI_MAJOR).\(SB_ABI_MINOR) or a newer 1.x")
            return SB_ERR_VERSION
        }
        out.pointee = descriptor.withLock { stored in
            if let stored { return stored }
            definitions.withLock { all in for component in components { all[component.name] = component } }
            let made = makeDescriptor(name: name, version: version, summary: summary, components: components)
            stored = made
            return made
        }
        return SB_OK
    }

    /// Static data for the host; leaked on purpose because plugins are never unloaded.
    private static func makeDescriptor(name: String, version: String, summary: String, components: [Component]) -> UnsafePointer<sb_plugin_desc> {
        let table = UnsafeMutablePointer<UnsafePointer<sb_component>?>.allocate(capacity: max(components.count, 1))
        for (index, component) in components.enumerated() {
            let entry = UnsafeMutablePointer<sb_component>.allocate(capacity: 1)
            entry.initialize(to: sb_component(
                struct_size: UInt32(MemoryLayout<sb_component>.size), abi_version: sb_abi_current(),
                kind: component.kind.rawValue, name: strdup(component.name), description: strdup(component.summary),
                create: Thunks.create, destroy: Thunks.destroy, reconfigure: Thunks.reconfigure,
                describe: Thunks.describe, start: Thunks.start, cancel: Thunks.cancel))
            table[index] = UnsafePointer(entry)
        }
        let descriptor = UnsafeMutablePointer<sb_plugin_desc>.allocate(capacity: 1)
        descriptor.initialize(to: sb_plugin_desc(
            struct_size: UInt32(MemoryLayout<sb_plugin_desc>.size), abi_version: sb_abi_current(),
            name: strdup(name), version: strdup(version), description: strdup(summary),
            toolchain: sb_swift_toolchain(), component_count: UInt32(components.count), components: UnsafePointer(table)))
        return UnsafePointer(descriptor)
    }

    static func definition(named name: String) -> Component? { definitions.withLock { $0[name] } }
}

/// The state behind one `void *instance`: the implementation and its running operations.
final class InstanceBox: Sendable {
    let implementation: any ComponentImplementation
    let operations = Mutex<[UInt64: Operation]>([:])
    private let nextHandle = Atomic<UInt64>(1)

    init(_ implementation: any ComponentImplementation) { self.implementation = implementation }

    func makeHandle() -> UInt64 { nextHandle.wrappingAdd(1, ordering: .relaxed).oldValue }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> InstanceBox? {
        pointer.map { Unmanaged<InstanceBox>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// The C functions in every PluginKit component's vtable. Non-capturing and nonisolated, so
/// they never capture context or inherit actor isolation (which would trap on a plugin thread);
/// each validates its inputs and never traps.
enum Thunks {
    static let create: sb_create_fn = { args, out, err, errCapacity in
        guard let args, let out, let host = args.pointee.host, let namePointer = args.pointee.component_name else {
            sb_set_error(err, errCapacity, "create needs args and out_instance")
            return SB_ERR_INVALID
        }
        let name = String(cString: namePointer)
        guard let component = PluginExport.definition(named: name) else {
            sb_set_error(err, errCapacity, "this plugin has no component '\(name)'")
            return SB_ERR_NOT_FOUND
        }
        let config = args.pointee.config_json.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: args.pointee.config_len), as: UTF8.self) } ?? "{}"
        let context = CreateContext(host: host, hostRef: args.pointee.host_ref, componentName: name, configJSON: config)
        do throws(PluginError) {
            out.pointee = Unmanaged.passRetained(InstanceBox(try component.make(context))).toOpaque()
            return SB_OK
        } catch {
            sb_set_error(err, errCapacity, error.message)
            return error.status
        }
    }

    static let destroy: sb_destroy_fn = { instance in
        guard let instance else { return }
        let box = Unmanaged<InstanceBox>.fromOpaque(instance).takeRetainedValue()
        for operation in box.operations.withLock({ Array($0.values) }) { operation.cancel() }
        box.implementation.shutdown()
    }

    static let reconfigure: sb_reconfigure_fn = { instance, json, length, err, errCapacity in
        guard let box = InstanceBox.from(instance), let json else {
            sb_set_error(err, errCapacity, "reconfigure needs an instance and config JSON")
            return SB_ERR_INVALID
        }
        do throws(PluginError) {
            try box.implementation.reconfigure(configJSON: String(decoding: UnsafeRawBufferPointer(start: json, count: length), as: UTF8.self))
            return SB_OK
        } catch {
            sb_set_error(err, errCapacity, error.message)
            return error.status
        }
    }

    static let describe: sb_describe_fn = { instance, onResult, user in
        guard let box = InstanceBox.from(instance), let onResult else { return SB_ERR_INVALID }
        guard var json = box.implementation.describe() else { return SB_ERR_UNSUPPORTED }
        json.withUTF8 { bytes in bytes.withMemoryRebound(to: CChar.self) { onResult(user, $0.baseAddress, $0.count) } }
        return SB_OK
    }

    static let start: sb_start_fn = { instance, op, request, length, onEvent, user, outHandle, err, errCapacity in
        guard let box = InstanceBox.from(instance), let op, let onEvent, let outHandle else {
            sb_set_error(err, errCapacity, "start needs instance, op, on_event and out_handle")
            return SB_ERR_INVALID
        }
        let body = request.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? "{}"
        let handle = box.makeHandle()
        let operation = Operation(op: String(cString: op), request: body, handle: handle, function: onEvent, user: user,
                                  onFinish: { [weak box] finished in box?.operations.withLock { _ = $0.removeValue(forKey: finished) } })
        box.operations.withLock { $0[handle] = operation }
        outHandle.pointee = handle
        do throws(PluginError) {
            try box.implementation.start(operation)
            return SB_OK
        } catch {
            box.operations.withLock { _ = $0.removeValue(forKey: handle) }
            guard !operation.isFinished else { return SB_OK }  // it already ended itself: keep the one terminal event
            sb_set_error(err, errCapacity, error.message)
            return error.status
        }
    }

    static let cancel: sb_cancel_fn = { instance, handle in
        guard let box = InstanceBox.from(instance) else { return }
        box.operations.withLock { $0[handle] }?.cancel()
    }
}
