import Synchronization

/// Metric samples recorded by the host and by plugins through `sb_host_api.metric`.
/// Counters add, gauges set, histograms keep count and sum (buckets come with /metrics).
public final class MetricsRegistry: Sendable {
    public enum Kind: Int32, Sendable { case counter = 0, gauge = 1, histogram = 2 }

    public struct Sample: Sendable, Equatable {
        public var kind: Kind
        public var value: Double
        public var count: Int
    }

    public struct Key: Hashable, Sendable {
        public var name: String
        public var labels: String
    }

    private let samples = Mutex<[Key: Sample]>([:])

    public init() {}

    /// Records a sample. Returns false (and records nothing) for an invalid name or kind.
    @discardableResult
    public func record(kind rawKind: Int32, name: String, labels: String, value: Double) -> Bool {
        guard let kind = Kind(rawValue: rawKind), Self.isValidName(name), value.isFinite else { return false }
        if kind == .counter && value < 0 { return false }
        samples.withLock { all in
            let key = Key(name: name, labels: labels)
            var sample = all[key] ?? Sample(kind: kind, value: 0, count: 0)
            switch kind {
            case .counter, .histogram: sample.value += value
            case .gauge: sample.value = value
            }
            sample.count += 1
            all[key] = sample
        }
        return true
    }

    public func sample(_ name: String, labels: String = "") -> Sample? {
        samples.withLock { $0[Key(name: name, labels: labels)] }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }
}
