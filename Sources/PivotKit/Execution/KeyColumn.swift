import FinOpsCore
import Foundation

/// A member of a dimension.
public enum DimensionValue: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// A text value.
    case text(String)
    /// The start of a time bucket, with its label in the query's time zone (`2024-02`, `2024-Q1`, `2024-W05`).
    case time(Timestamp, label: String)
    /// The members folded together by a top-N (shown as "Others").
    case others
    /// No value (a null cell, or a row without the tag: shown as "(untagged)").
    case null

    public var description: String {
        switch self {
        case .text(let value): value
        case .time(_, let label): label
        case .others: "Others"
        case .null: "(null)"
        }
    }

    /// Text sorts by its characters, time chronologically, then Others, then null.
    public static func < (lhs: DimensionValue, rhs: DimensionValue) -> Bool {
        switch (lhs, rhs) {
        case (.text(let a), .text(let b)): a < b
        case (.time(let a, _), .time(let b, _)): a < b
        case (.null, _): false
        case (_, .null): true
        case (.others, _): false
        case (_, .others): true
        case (.text, .time): true
        case (.time, .text): false
        }
    }
}

/// One dimension resolved over a table: a dense code per row and the member each code stands for.
struct KeyColumn {
    /// One code per row; `UInt32.max` also stands for the last member (null), so text columns need no copy.
    var codes: [UInt32]
    var values: [DimensionValue]

    var cardinality: Int { values.count }

    /// The member of a row.
    @inline(__always)
    func code(_ row: Int) -> UInt32 {
        let code = codes[row]
        return code == .max ? UInt32(values.count - 1) : code
    }

    /// Resolves a dimension; with `rows`, only those rows get meaningful codes (the others are never read).
    static func make(
        _ dimension: PivotDimension,
        table: CostTable,
        calendar: Calendar,
        rows: [Int32]? = nil
    ) throws(PivotError) -> KeyColumn {
        switch dimension {
        case .column(let name):
            guard let column = table.column(named: name) else { throw unknownColumn(name, table: table) }
            guard case .string(let strings) = column.data else {
                throw PivotError("\(name) is not a text column; group timestamps with a bucket such as month(\(name))")
            }
            return KeyColumn(codes: strings.codes, values: strings.dictionary.map { .text($0) } + [.null])
        case .time(let name, let bucket):
            guard let column = table.column(named: name) else { throw unknownColumn(name, table: table) }
            guard case .timestamp(let timestamps) = column.data else {
                throw PivotError("\(name) is not a timestamp column, so it has no \(bucket.rawValue) buckets")
            }
            return timeBuckets(timestamps, bucket: bucket, calendar: calendar, rows: rows)
        case .tag(let key):
            guard let tags = table.tags else {
                return KeyColumn(codes: Array(repeating: 0, count: table.rowCount), values: [.null])
            }
            var index: [String: UInt32] = [:]
            var values: [DimensionValue] = []
            let setCodes = tags.sets.map { set -> UInt32 in
                // A JSON null is no value, as PostgreSQL's `tags ->> key` reads it.
                guard let value = set[key], value != .null else { return .max }
                let text = value.text
                if let code = index[text] { return code }
                let code = UInt32(values.count)
                values.append(.text(text))
                index[text] = code
                return code
            }
            values.append(.null)
            // Rows without the key (or without tags) keep UInt32.max: the null member.
            var codes = [UInt32](repeating: .max, count: tags.codes.count)
            func resolve(_ row: Int) {
                let code = tags.codes[row]
                if code != TagColumn.nullCode { codes[row] = setCodes[Int(code)] }
            }
            if let rows {
                for row in rows { resolve(Int(row)) }
            } else {
                for row in 0..<codes.count { resolve(row) }
            }
            return KeyColumn(codes: codes, values: values)
        }
    }

    private static func timeBuckets(
        _ column: TimestampColumn,
        bucket: TimeBucket,
        calendar: Calendar,
        rows: [Int32]?
    ) -> KeyColumn {
        var index: [Int64: UInt32] = [:]
        var starts: [Int64] = []
        var codes = [UInt32](repeating: 0, count: column.values.count)
        var lastInput: Int64?
        var lastCode: UInt32 = 0
        for position in 0..<(rows?.count ?? column.values.count) {
            let row = rows.map { Int($0[position]) } ?? position
            if let nulls = column.nulls, nulls[row] {
                codes[row] = .max
                continue
            }
            let value = column.values[row]
            if value == lastInput {
                codes[row] = lastCode
                continue
            }
            let start = bucketStart(value, bucket: bucket, calendar: calendar)
            let code: UInt32
            if let existing = index[start] {
                code = existing
            } else {
                code = UInt32(starts.count)
                starts.append(start)
                index[start] = code
            }
            codes[row] = code
            lastInput = value
            lastCode = code
        }
        var values = starts.map { start -> DimensionValue in
            .time(Timestamp(microsecondsSinceEpoch: start), label: label(start, bucket: bucket, calendar: calendar))
        }
        // Null rows keep UInt32.max: the null member.
        values.append(.null)
        return KeyColumn(codes: codes, values: values)
    }

    /// The start of the bucket holding `micros`, in the calendar's time zone.
    static func bucketStart(_ micros: Int64, bucket: TimeBucket, calendar: Calendar) -> Int64 {
        let (seconds, _) = Int(micros).floorDivided(by: 1_000_000)
        if calendar.timeZone.identifier == "UTC" || calendar.timeZone.identifier == "GMT" {
            switch bucket {
            case .hour: return Int64(seconds.floorDivided(by: 3600).quotient * 3600) * 1_000_000
            case .day: return Int64(seconds.floorDivided(by: 86_400).quotient * 86_400) * 1_000_000
            default: break
            }
        }
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let start: Date
        switch bucket {
        case .hour: start = calendar.dateInterval(of: .hour, for: date)?.start ?? date
        case .day: start = calendar.startOfDay(for: date)
        case .week: start = calendar.dateInterval(of: .weekOfYear, for: date)?.start ?? date
        case .month: start = calendar.dateInterval(of: .month, for: date)?.start ?? date
        case .quarter:
            let components = calendar.dateComponents([.year, .month], from: date)
            let firstMonth = ((components.month ?? 1) - 1) / 3 * 3 + 1
            start = calendar.date(from: DateComponents(year: components.year, month: firstMonth, day: 1)) ?? date
        case .year: start = calendar.dateInterval(of: .year, for: date)?.start ?? date
        }
        return Int64(start.timeIntervalSince1970.rounded()) * 1_000_000
    }

    static func label(_ micros: Int64, bucket: TimeBucket, calendar: Calendar) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(micros / 1_000_000))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .yearForWeekOfYear, .weekOfYear], from: date)
        let year = c.year ?? 0
        let month = two(c.month ?? 0)
        switch bucket {
        case .hour: return "\(year)-\(month)-\(two(c.day ?? 0))T\(two(c.hour ?? 0)):00"
        case .day: return "\(year)-\(month)-\(two(c.day ?? 0))"
        case .week: return "\(c.yearForWeekOfYear ?? year)-W\(two(c.weekOfYear ?? 0))"
        case .month: return "\(year)-\(month)"
        case .quarter: return "\(year)-Q\(((c.month ?? 1) - 1) / 3 + 1)"
        case .year: return "\(year)"
        }
    }

    private static func two(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

func unknownColumn(_ name: String, table: CostTable) -> PivotError {
    let lowered = name.lowercased()
    if let close = table.columns.first(where: { $0.name.lowercased() == lowered }) {
        return PivotError("no column \(name); did you mean \(close.name)?")
    }
    return PivotError("no column \(name) in the data")
}
