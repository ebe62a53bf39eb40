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
        var text = text
        return try text.withUTF8 { bytes in Result { () throws(AnalyticsError) in try parse(bytes, path: path) } }.get()
    }

    private struct Building {
        var name: String
        var start: Timestamp?
        var last: Timestamp?
        var step: Int64?
        var values: [ExactDecimal] = []
        var dates = true
        var firstLine: Int
    }

    /// Byte by byte: a file may hold a million values.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws(AnalyticsError) -> [TimeSeries]
    {
        var buildings: [Building] = []
        var indexByName: [String: Int] = [:]
        var current = -1
        var currentName: [UInt8] = []
        var named = false
        var sawHeader = false
        var lineNumber = 0
        var lineStart = 0
        let comma = UInt8(ascii: ",")
        while lineStart < bytes.count {
            lineNumber += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            defer { lineStart = lineEnd + 1 }
            var fields: [Range<Int>] = []
            var fieldStart = lineStart
            for position in lineStart...lineEnd where position == lineEnd || bytes[position] == comma {
                fields.append(trimmed(fieldStart..<position, in: bytes))
                fieldStart = position + 1
            }
            if fields.count == 1, fields[0].isEmpty { continue }
            let at = AnalyticsError.Location(file: path, line: lineNumber)
            func text(_ range: Range<Int>) -> String {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
            }
            if !sawHeader {
                sawHeader = true
                switch fields.map(text) {
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
            let nameRange = named ? fields[0] : lineStart..<lineStart
            if current < 0 || !currentName.elementsEqual(bytes[nameRange]) {
                let name = text(nameRange)
                currentName = Array(bytes[nameRange])
                if let index = indexByName[name] {
                    current = index
                } else {
                    current = buildings.count
                    indexByName[name] = current
                    buildings.append(Building(name: name, firstLine: lineNumber))
                }
            }
            let stampRange = fields[named ? 1 : 0]
            let stamp = UnsafeBufferPointer(rebasing: bytes[stampRange])
            let day = CalendarDay(utf8: stamp)
            guard let instant = day?.start ?? Timestamp.parse(utf8: stamp) else {
                throw AnalyticsError(
                    .invalidFile,
                    "field timestamp: '\(text(stampRange))' is not a date or an ISO 8601 instant",
                    at: at
                )
            }
            let valueRange = fields[named ? 2 : 1]
            let value: ExactDecimal
            do {
                value = try ExactDecimal.parse(utf8: UnsafeBufferPointer(rebasing: bytes[valueRange]))
            } catch {
                throw AnalyticsError(.invalidFile, "field value: '\(text(valueRange))' \(error)", at: at)
            }
            if let last = buildings[current].last {
                guard instant > last else {
                    throw AnalyticsError(
                        .invalidFile,
                        "field timestamp: \(text(stampRange)) is not after the series' previous timestamp",
                        at: at
                    )
                }
                let step = instant.microsecondsSinceEpoch - last.microsecondsSinceEpoch
                if let expected = buildings[current].step, step != expected {
                    throw AnalyticsError(
                        .invalidFile,
                        "field timestamp: \(text(stampRange)) breaks the series' regular step (fill missing steps with 0)",
                        at: at
                    )
                }
                buildings[current].step = step
            } else {
                buildings[current].start = instant
            }
            buildings[current].last = instant
            buildings[current].values.append(value)
            if day == nil { buildings[current].dates = false }
        }
        var result: [TimeSeries] = []
        for building in buildings {
            guard let start = building.start, let step = building.step else {
                throw AnalyticsError(
                    .insufficientData,
                    "series '\(building.name)' has \(building.values.count) value; at least 2 are needed",
                    at: .init(file: path, line: building.firstLine)
                )
            }
            result.append(
                TimeSeries(
                    name: building.name,
                    start: start,
                    step: step,
                    values: building.values,
                    printsDates: building.dates
                )
            )
        }
        if result.isEmpty { throw AnalyticsError(.invalidFile, "the file holds no values", at: .init(file: path)) }
        return result
    }

    private static func trimmed(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }
        while lower < upper, isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
}
