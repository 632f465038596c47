import Foundation
import Synchronization

/// Metric samples recorded by the host and by plugins through `sb_host_api.metric`, rendered in
/// Prometheus' text exposition format for `/metrics`. Counters add, gauges set, histograms count
/// observations into fixed buckets (seconds).
public final class MetricsRegistry: Sendable {
    public enum Kind: Int32, Sendable { case counter = 0, gauge = 1, histogram = 2 }

    public struct Sample: Sendable, Equatable {
        public var kind: Kind
        /// The counter's total, the gauge's value, or the histogram's sum.
        public var value: Double
        /// How many times it was recorded (a histogram's observation count).
        public var count: Int
        /// A histogram's observations at or below each of `MetricsRegistry.buckets`, not cumulative.
        public var buckets: [Int] = []
    }

    public struct Key: Hashable, Sendable {
        public var name: String
        public var labels: String
    }

    /// Upper bounds of histogram buckets, in seconds: from a fraction of a millisecond (a native
    /// tool, a store write) to a minute (a slow model).
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private let samples = Mutex<[Key: Sample]>([:])

    public init() {}

    /// Records a sample. Returns false (and records nothing) for an invalid name, kind or value,
    /// or a name already recorded as another kind.
    @discardableResult
    public func record(kind rawKind: Int32, name: String, labels: String, value: Double) -> Bool {
        guard let kind = Kind(rawValue: rawKind), Self.isValidName(name), value.isFinite else { return false }
        if kind != .gauge && value < 0 { return false }
        return samples.withLock { all in
            let key = Key(name: name, labels: labels)
            var sample = all[key] ?? Sample(kind: kind, value: 0, count: 0, buckets: kind == .histogram ? Array(repeating: 0, count: Self.buckets.count) : [])
            guard sample.kind == kind else { return false }
            switch kind {
            case .counter: sample.value += value
            case .gauge: sample.value = value
            case .histogram:
                sample.value += value
                if let bucket = Self.buckets.firstIndex(where: { value <= $0 }) { sample.buckets[bucket] += 1 }
            }
            sample.count += 1
            all[key] = sample
            return true
        }
    }

    public func count(_ name: String, _ labels: String = "", by value: Double = 1) { record(kind: Kind.counter.rawValue, name: name, labels: labels, value: value) }
    public func observe(_ name: String, _ labels: String = "", seconds: Double) { record(kind: Kind.histogram.rawValue, name: name, labels: labels, value: seconds) }
    public func set(_ name: String, _ labels: String = "", to value: Double) { record(kind: Kind.gauge.rawValue, name: name, labels: labels, value: value) }

    public func sample(_ name: String, labels: String = "") -> Sample? {
        samples.withLock { $0[Key(name: name, labels: labels)] }
    }

    /// Everything in Prometheus' text exposition format (version 0.0.4), names in order.
    public func prometheusText() -> String {
        let all = samples.withLock { $0 }
        var out = ""
        var typed = Set<String>()
        for (key, sample) in all.sorted(by: { ($0.key.name, $0.key.labels) < ($1.key.name, $1.key.labels) }) {
            if typed.insert(key.name).inserted {
                out += "# TYPE \(key.name) \(sample.kind == .counter ? "counter" : sample.kind == .gauge ? "gauge" : "histogram")\n"
            }
            func labels(_ extra: String? = nil) -> String {
                let all = [key.labels, extra ?? ""].filter { !$0.isEmpty }.joined(separator: ",")
                return all.isEmpty ? "" : "{\(all)}"
            }
            guard sample.kind == .histogram else {
                out += "\(key.name)\(labels()) \(Self.format(sample.value))\n"
                continue
            }
            var cumulative = 0
            for (bound, count) in zip(Self.buckets, sample.buckets) {
                cumulative += count
                out += "\(key.name)_bucket\(labels("le=\"\(Self.format(bound))\"")) \(cumulative)\n"
            }
            out += "\(key.name)_bucket\(labels("le=\"+Inf\"")) \(sample.count)\n"
            out += "\(key.name)_sum\(labels()) \(Self.format(sample.value))\n"
            out += "\(key.name)_count\(labels()) \(sample.count)\n"
        }
        return out
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}

extension String {
    /// The text as a Prometheus label value: backslash, double quote and newline escaped.
    public var prometheusLabelValue: String {
        var out = ""
        for character in self {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
