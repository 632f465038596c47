import PluginABI
import Synchronization

/// One running operation of a component: its handle and its events, ending with one terminal event.
public struct ComponentOperation: Sendable {
    public let handle: UInt64
    public let events: PluginEventStream
}

/// A created component instance: the host's Swift face of a plugin's `void *instance`.
///
/// Thread-safe, like the ABI's start/cancel/describe. `destroy()` runs once; calls after it fail.
public final class ComponentInstance: Sendable {
    private struct Instance: @unchecked Sendable {
        // Owned by the plugin; valid until destroy(). The ABI makes start/cancel/describe thread-safe.
        let pointer: UnsafeMutableRawPointer?
    }

    public let descriptor: ComponentDescriptor
    public let context: InstanceContext
    private let instance: Instance
    private let destroyed = Atomic<Bool>(false)

    public var name: String { descriptor.name }
    public var kind: ComponentKind { descriptor.kind }

    /// Creates an instance with the plugin's config block.
    /// - Throws: `ComponentError` with the plugin's own message when create() fails.
    public init(descriptor: ComponentDescriptor, config: JSONValue, services: HostServices) throws(ComponentError) {
        self.descriptor = descriptor
        self.context = services.makeContext(name: descriptor.name)
        var configText = config.jsonText
        var created: UnsafeMutableRawPointer?
        let hostRef = context.hostRef
        let (status, message) = descriptor.name.withCString { name in
            configText.withUTF8 { json in
                var args = sb_create_args(struct_size: UInt32(MemoryLayout<sb_create_args>.size), abi_version: sb_abi_current(),
                                          host: HostAPITable.pointer, host_ref: hostRef, component_name: name,
                                          config_json: UnsafeRawPointer(json.baseAddress!).assumingMemoryBound(to: CChar.self),
                                          config_len: json.count)
                return ErrorBuffer.call { descriptor.vtable.create(&args, &created, $0, $1) }
            }
        }
        guard status == SB_OK else {
            throw ComponentError(status: status, message: message.isEmpty ? "create() failed with no message" : message)
        }
        instance = Instance(pointer: created)
    }

    /// Starts `op`. Events arrive on `events`; cancelling the task that iterates them cancels
    /// the operation in the plugin.
    /// - Throws: `ComponentError` when start() refuses; no event is delivered then.
    public func start(op: String, request: String) throws(ComponentError) -> ComponentOperation {
        let channel = EventChannel()
        let started = try start(op: op, request: request, to: .channel(channel))
        channel.setOnCancel { [weak self] in self?.cancel(started) }
        return ComponentOperation(handle: started, events: PluginEventStream(channel: channel))
    }

    /// Starts `op` with its events passed straight on to another plugin's callback, uncopied.
    /// - Returns: the operation's handle, for `cancel`.
    public func start(op: String, request: String, forwardingTo sink: any EventForwarder) throws(ComponentError) -> UInt64 {
        try start(op: op, request: request, to: .sink(sink))
    }

    private func start(op: String, request: String, to destination: EventRouter.Destination) throws(ComponentError) -> UInt64 {
        guard !destroyed.load(ordering: .acquiring) else {
            throw ComponentError(status: SB_ERR_UNAVAILABLE, message: "component '\(name)' has been shut down")
        }
        let user = EventRouter.shared.register(destination)
        var handle: UInt64 = 0
        var requestText = request
        let (status, message) = op.withCString { opName in
            requestText.withUTF8 { body in
                ErrorBuffer.call { descriptor.vtable.start(instance.pointer, opName,
                                                           UnsafeRawPointer(body.baseAddress!).assumingMemoryBound(to: CChar.self),
                                                           body.count, EventRouter.callback, user, &handle, $0, $1) }
            }
        }
        guard status == SB_OK else {
            EventRouter.shared.unregister(user)
            throw ComponentError(status: status, message: message.isEmpty ? "start(\(op)) failed with no message" : message)
        }
        return handle
    }

    public func cancel(_ handle: UInt64) {
        guard !destroyed.load(ordering: .acquiring) else { return }
        descriptor.vtable.cancel(instance.pointer, handle)
    }

    /// Applies a new config block; the instance keeps its old one when this throws.
    public func reconfigure(_ config: JSONValue) throws(ComponentError) {
        guard let reconfigure = descriptor.vtable.reconfigure else {
            throw ComponentError(status: SB_ERR_UNSUPPORTED, message: "component '\(name)' cannot change its configuration without a restart")
        }
        var text = config.jsonText
        let (status, message) = text.withUTF8 { json in
            ErrorBuffer.call { reconfigure(instance.pointer, UnsafeRawPointer(json.baseAddress!).assumingMemoryBound(to: CChar.self), json.count, $0, $1) }
        }
        guard status == SB_OK else { throw ComponentError(status: status, message: message) }
    }

    /// The instance's own state report (JSON), or nil when it offers none.
    public func describe() -> String? {
        guard let describe = descriptor.vtable.describe, !destroyed.load(ordering: .acquiring) else { return nil }
        final class Box { var json: String? }
        let box = Box()
        let status = describe(instance.pointer, { user, json, length in
            guard let user, let json else { return }
            Unmanaged<Box>.fromOpaque(user).takeUnretainedValue().json = String(slice: sb_str(ptr: json, len: length))
        }, Unmanaged.passUnretained(box).toOpaque())
        return status == SB_OK ? box.json : nil
    }

    /// Destroys the instance; running operations get their terminal events first. Idempotent.
    public func destroy() {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        descriptor.vtable.destroy(instance.pointer)
    }
}
