import Foundation
import JSONSupport

/// The `current_time` tool: the date and time now in an IANA time zone. Pure apart from the
/// clock, which is injected for tests. Thread-safe.
enum CurrentTime {
    struct Failure: Error, Equatable {
        let message: String
    }

    /// The reading for `zoneName` at `now`, as a one-line text and a structured object:
    /// `{"timezone","datetime","day_of_week","is_dst","utc_offset"}`.
    /// - Throws: `Failure` when `zoneName` is not a time zone this system knows.
    static func reading(zoneName: String, now: Date = Date()) throws(Failure) -> (text: String, structured: JSONValue) {
        guard !zoneName.isEmpty, zoneName.count <= 64, let zone = TimeZone(identifier: zoneName) else {
            throw Failure(message: "unknown time zone '\(zoneName.prefix(64))': use an IANA name such as 'Europe/Paris', 'America/New_York' or 'UTC'")
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone
        formatter.formatOptions = [.withInternetDateTime]
        let datetime = formatter.string(from: now)
        let weekday = DateFormatter()
        weekday.locale = Locale(identifier: "en_US_POSIX")
        weekday.timeZone = zone
        weekday.dateFormat = "EEEE"
        let day = weekday.string(from: now)
        let isDST = zone.isDaylightSavingTime(for: now)
        let offset = offsetText(seconds: zone.secondsFromGMT(for: now))
        let structured = JSONValue.object([
            "timezone": .string(zone.identifier), "datetime": .string(datetime), "day_of_week": .string(day),
            "is_dst": .bool(isDST), "utc_offset": .string(offset),
        ])
        return ("\(datetime) (\(day), \(zone.identifier), UTC\(offset)\(isDST ? ", daylight saving time" : ""))", structured)
    }

    /// "+01:00", "-09:30", "+00:00".
    static func offsetText(seconds: Int) -> String {
        let minutes = abs(seconds) / 60
        return (seconds < 0 ? "-" : "+") + String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
