import Glibc
import PluginABI
import Synchronization

/// The one `sb_host_api` table of this process, handed to every plugin.
///
/// Its C functions are `nonisolated` statics (a closure formed in an isolated context would trap
/// when a plugin thread calls it: Swift 6 inserts an executor check). Each recovers the calling instance from
/// `host_ref`; a NULL `host_ref` means the plugin that is being loaded right now.
public enum HostAPITable {
    /// Allocated once and never freed: plugins may keep the pointer for the life of the process.
    nonisolated(unsafe) public static let pointer: UnsafePointer<sb_host_api> = {
        let table = UnsafeMutablePointer<sb_host_api>.allocate(capacity: 1)
        table.initialize(to: sb_host_api(
            struct_size: UInt32(MemoryLayout<sb_host_api>.size),
            abi_version: sb_abi_current(),
            toolchain: sb_swift_toolchain(),
            alloc: { size in malloc(size) },
            free: { pointer in Glibc.free(pointer) },
            log: HostAPITable.log,
            metric: HostAPITable.metric,
            config_get: HostAPITable.configGet,
            submit: HostAPITable.submit,
            cancel: HostAPITable.cancel,
            notify: HostAPITable.notify,
            get_proc: { _ in nil }))
        return UnsafePointer(table)
    }()

    /// Who a NULL `host_ref` stands for: set by the loader around each entry call.
    static let loading = Mutex<InstanceContext?>(nil)

    static func context(_ hostRef: UnsafeMutableRawPointer?) -> InstanceContext? {
        guard let hostRef else { return loading.withLock { $0 } }
        return Unmanaged<InstanceContext>.fromOpaque(hostRef).takeUnretainedValue()
    }

    static let log: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void = { hostRef, level, message in
        guard let context = context(hostRef), let message else { return }
        let logLevel = LogLevel(abiLevel: level)
        guard context.services.logger.isEnabled(logLevel) else { return }
        context.services.logger.log(logLevel, context.name, String(cString: message))
    }

    static let metric: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Double) -> Void = {
        hostRef, type, name, labels, value in
        guard let context = context(hostRef) else { return }
        let metricName = name.map { String(cString: $0) } ?? ""
        let recorded = context.services.metrics.record(kind: type, name: metricName,
                                                      labels: labels.map { String(cString: $0) } ?? "", value: value)
        if !recorded { context.services.logger.warn(context.name, "dropped invalid metric sample '\(metricName)' (type \(type), value \(value))") }
    }

    static let configGet: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, sb_result_fn?, UnsafeMutableRawPointer?) -> sb_status = {
        hostRef, keyPath, onResult, user in
        guard let context = context(hostRef), let keyPath, let onResult else { return SB_ERR_INVALID }
        guard let value = context.services.configurationDocument.value(atPath: String(cString: keyPath)) else { return SB_ERR_NOT_FOUND }
        var json = value.jsonText
        json.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { onResult(user, $0.baseAddress, $0.count) }
        }
        return SB_OK
    }

    static let submit: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, Int, sb_event_fn?,
                                       UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt64>?, UnsafeMutablePointer<CChar>?, Int) -> sb_status = {
        hostRef, op, request, requestLength, onEvent, user, outHandle, err, errCapacity in
        guard let context = context(hostRef), let op, let onEvent else {
            sb_set_error(err, errCapacity, "submit needs host_ref, op and on_event")
            return SB_ERR_INVALID
        }
        guard let handler = context.services.requestHandler else {
            sb_set_error(err, errCapacity, "the host is not accepting requests (starting up or shutting down)")
            return SB_ERR_UNAVAILABLE
        }
        let body = request.map { String(slice: sb_str(ptr: $0, len: requestLength)) } ?? "{}"
        do throws(ComponentError) {
            let handle = try handler.submit(op: String(cString: op), request: body, from: context,
                                            sink: PluginEventSink(callback: onEvent, user: user))
            outHandle?.pointee = handle
            return SB_OK
        } catch {
            sb_set_error(err, errCapacity, error.message)
            return error.status
        }
    }

    static let cancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { hostRef, handle in
        context(hostRef)?.services.requestHandler?.cancel(handle: handle)
    }

    static let notify: @convention(c) (UnsafeMutableRawPointer?, UInt32, UnsafePointer<CChar>?, Int) -> Void = { hostRef, what, json, length in
        guard let context = context(hostRef) else { return }
        let body = json.map { String(slice: sb_str(ptr: $0, len: length)) } ?? ""
        switch Int32(what) {
        case SB_NOTIFY_STATE: context.services.recordState(of: context.name, json: body)
        case SB_NOTIFY_CATALOG_CHANGED:
            context.services.recordCatalogChange()
            context.services.logger.debug(context.name, "catalog changed")
        default: context.services.logger.debug(context.name, "ignored notification \(what)")
        }
    }
}
