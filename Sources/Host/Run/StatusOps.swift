import Foundation
import PluginABI

/// Answers the `health` and `metrics` host ops, which transports serve as `GET /health` and
/// `GET /metrics`: every component's own state report, and the metrics registry as Prometheus text.
final class StatusOps: HostRequestHandler {
    static let ops: Set<String> = ["health", "metrics"]

    private let instances: [ComponentInstance]
    private let services: HostServices
    private let accepting: @Sendable () -> Bool

    /// - Parameter accepting: whether new requests are served (false once shutdown began).
    init(instances: [ComponentInstance], services: HostServices, accepting: @escaping @Sendable () -> Bool) {
        (self.instances, self.services, self.accepting) = (instances, services, accepting)
    }

    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        let result = op == "metrics" ? JSONValue.object(["text": .string(services.metrics.prometheusText())]) : health()
        sink.send(PluginEvent(kind: .done, data: result.jsonText))
        return 0
    }

    func cancel(handle: UInt64) {}  // both ops answer inside submit

    /// `{"status": "ok"|"degraded"|"down", "ready", "components": {name: {"kind", "state", ...}}}`:
    /// a component's `describe()` report, else the last state it notified, else "up".
    /// Ready means serving: accepting requests with a store and a provider that are not down.
    func health() -> JSONValue {
        var components: [String: JSONValue] = [:]
        var states: [ComponentKind: [String]] = [:]
        let notified = services.componentStates
        for instance in instances {
            let report = instance.describe() ?? notified[instance.name] ?? #"{"state":"up"}"#
            var fields = (try? JSONValue.parse(report))?.objectValue ?? [:]
            fields["kind"] = .string(instance.kind.description)
            let state = fields["state"]?.stringValue ?? "up"
            fields["state"] = .string(state)
            components[instance.name] = .object(fields)
            states[instance.kind, default: []].append(state)
        }
        let all = states.values.joined()
        let status = all.allSatisfy { $0 == "up" } ? "ok" : all.contains("up") || all.contains("degraded") ? "degraded" : "down"
        let essential = (states[.store] ?? ["up"]) + [(states[.provider] ?? []).contains { $0 != "down" } ? "up" : "down"]
        let ready = accepting() && !essential.contains("down")
        return .object(["status": .string(status), "ready": .bool(ready), "components": .object(components)])
    }
}

/// Sends each host op to the handler that answers it, the rest to `fallback`; cancel goes to
/// `fallback` (the other handlers finish their ops inside submit).
struct HostOpRouter: HostRequestHandler {
    let routes: [(ops: Set<String>, handler: any HostRequestHandler)]
    let fallback: any HostRequestHandler

    func submit(op: String, request: String, from caller: InstanceContext, sink: PluginEventSink) throws(ComponentError) -> UInt64 {
        let handler = routes.first { $0.ops.contains(op) }?.handler ?? fallback
        return try handler.submit(op: op, request: request, from: caller, sink: sink)
    }

    func cancel(handle: UInt64) { fallback.cancel(handle: handle) }
}
