import FinOpsCore
import Foundation

/// Reads plain series from CSV: `timestamp,value` (one series) or `series,timestamp,value` (several, each on its
/// own regular step). Timestamps are dates (`2024-06-01`) or ISO 8601 instants; values are exact decimals.
public enum SeriesFile {
    /// Reads a file.
    ///
    /// - Throws: ``AnalyticsError`` naming the file, line and field of the first problem: a bad header, value or
    ///   timestamp, timestamps out of order, or a step that is not regular.
    public static func read(path: String) throws(AnalyticsError) -> [TimeSeries] {
        let text = try TextFile.read(path, "series file")
        return try parse(text, path: path)
    }

    /// Parses CSV text that came from `path`.
    public static func parse(_ text: String, path: String) throws(AnalyticsError) -> [TimeSeries] {
        struct Building {
            var name: String
            var instants: [Timestamp] = []
            var values: [ExactDecimal] = []
            var dates = true
            var firstLine: Int
        }
        var order: [String] = []
        var series: [String: Building] = [:]
        var named = false
        for (index, (lineNumber, fields)) in TextFile.csvLines(text).enumerated() {
            let at = AnalyticsError.Location(file: path, line: lineNumber)
            if index == 0 {
                switch fields {
                case ["timestamp", "value"]: named = false
                case ["series", "timestamp", "value"]: named = true
                default:
                    throw AnalyticsError(
                        .invalidFile,
                        "the header must be timestamp,value or series,timestamp,value",
                        at: at
                    )
                }
                continue
            }
            guard fields.count == (named ? 3 : 2) else {
                throw AnalyticsError(.invalidFile, "expected \(named ? 3 : 2) fields, found \(fields.count)", at: at)
            }
            let name = named ? fields[0] : ""
            let stamp = fields[named ? 1 : 0]
            let valueText = fields[named ? 2 : 1]
            let isDate = CalendarDay(stamp) != nil
            guard let instant = CalendarDay(stamp)?.start ?? Timestamp(stamp) else {
                throw AnalyticsError(
                    .invalidFile,
                    "field timestamp: '\(stamp)' is not a date or an ISO 8601 instant",
                    at: at
                )
            }
            let value: ExactDecimal
            do {
                value = try ExactDecimal.parse(valueText)
            } catch {
                throw AnalyticsError(.invalidFile, "field value: '\(valueText)' \(error)", at: at)
            }
            if series[name] == nil {
                order.append(name)
                series[name] = Building(name: name, firstLine: lineNumber)
            }
            guard var building = series[name] else { continue }
            if let last = building.instants.last {
                guard instant > last else {
                    throw AnalyticsError(
                        .invalidFile,
                        "field timestamp: \(stamp) is not after the series' previous timestamp",
                        at: at
                    )
                }
                if building.instants.count >= 2 {
                    let step = building.instants[1].microsecondsSinceEpoch - building.instants[0].microsecondsSinceEpoch
                    guard instant.microsecondsSinceEpoch - last.microsecondsSinceEpoch == step else {
                        throw AnalyticsError(
                            .invalidFile,
                            "field timestamp: \(stamp) breaks the series' regular step (fill missing steps with 0)",
                            at: at
                        )
                    }
                }
            }
            building.instants.append(instant)
            building.values.append(value)
            building.dates = building.dates && isDate
            series[name] = building
        }
        var result: [TimeSeries] = []
        for name in order {
            guard let building = series[name] else { continue }
            guard building.instants.count >= 2 else {
                throw AnalyticsError(
                    .insufficientData,
                    "series '\(name)' has \(building.instants.count) value; at least 2 are needed",
                    at: .init(file: path, line: building.firstLine)
                )
            }
            let step = building.instants[1].microsecondsSinceEpoch - building.instants[0].microsecondsSinceEpoch
            result.append(
                TimeSeries(
                    name: name,
                    start: building.instants[0],
                    step: step,
                    values: building.values,
                    printsDates: building.dates
                )
            )
        }
        if result.isEmpty { throw AnalyticsError(.invalidFile, "the file holds no values", at: .init(file: path)) }
        return result
    }
}
