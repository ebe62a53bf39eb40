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
    /// Where set, a row's member is `translation[codes[row]]` (`UInt32.max` still null): the codes are a column's
    /// own (a tag set per row), read in place rather than copied into a new array per query.
    var translation: [UInt32]?
    var values: [DimensionValue]

    init(codes: [UInt32], translation: [UInt32]? = nil, values: [DimensionValue]) {
        self.codes = codes
        self.translation = translation
        self.values = values
    }

    var cardinality: Int { values.count }

    /// The member of a row.
    @inline(__always)
    func code(_ row: Int) -> UInt32 {
        var code = codes[row]
        if let translation, code != .max { code = translation[Int(code)] }
        return code == .max ? UInt32(values.count - 1) : code
    }

    /// Resolves a dimension; with `rows`, only those rows get meaningful codes (the others are never read).
    static func make(
        _ dimension: PivotDimension,
        table: CostTable,
        calendar: Calendar,
        rows: [Int32]? = nil,
        tuning: ExecutionTuning = ExecutionTuning()
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
            return timeBuckets(timestamps, bucket: bucket, calendar: calendar, rows: rows, tuning: tuning)
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
            // Rows without the key (or without tags) are UInt32.max, in the column or by translation: the null member.
            return KeyColumn(codes: tags.codes, translation: setCodes, values: values)
        }
    }

    /// A code array the parts fill: every row's code, or with a selection the selected rows' only (the others are
    /// never read). Not zeroed first: the parts' own writes fault its pages in on all cores, where zeroing would
    /// fault them all in on one.
    private static func unfilledCodes(_ count: Int) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }

    /// A code per row for the bucket holding its instant, with codes in order of first appearance.
    ///
    /// Parts of the rows run on all cores, each finding its buckets by their intervals (a binary search among the few
    /// buckets seen; the calendar is only asked about an instant outside them); the parts' buckets are then numbered
    /// in row order and the parts' codes renumbered.
    private static func timeBuckets(
        _ column: TimestampColumn,
        bucket: TimeBucket,
        calendar: Calendar,
        rows: [Int32]?,
        tuning: ExecutionTuning
    ) -> KeyColumn {
        let count = rows?.count ?? column.values.count
        let parts = count >= tuning.parallelThreshold ? ExecutionTuning.cores : 1
        var codes = unfilledCodes(column.values.count)
        let found = codes.withUnsafeMutableBufferPointer { codes in
            let target = SharedCodes(codes: codes)
            return Parts.map(count, into: parts) { positions -> (first: Int, seen: [Range<Int64>]) in
                var intervals = BucketIntervals(bucket: bucket, calendar: calendar)
                // Raw buffers: no reference counting per row.
                let nullWords = column.nulls?.words ?? []
                let hasNulls = column.nulls != nil
                column.values.withUnsafeBufferPointer { values in
                    nullWords.withUnsafeBufferPointer { nulls in
                        (rows ?? []).withUnsafeBufferPointer { selected in
                            let direct = rows == nil
                            for position in positions {
                                let row = direct ? position : Int(selected[position])
                                if hasNulls, nulls[row &>> 6] & (1 &<< UInt64(row & 63)) != 0 {
                                    target.codes[row] = .max
                                } else {
                                    target.codes[row] = intervals.code(of: values[row])
                                }
                            }
                        }
                    }
                }
                return (positions.lowerBound, intervals.seen)
            }
        }
        // The buckets numbered in the order the rows first reach them, and each part's codes in those numbers.
        var numbers: [Int64: UInt32] = [:]
        var starts: [Int64] = []
        var renumbering: [Int: [UInt32]] = [:]
        var renumbers = false
        for part in found {
            let map = part.seen.map { interval -> UInt32 in
                if let number = numbers[interval.lowerBound] { return number }
                let number = UInt32(starts.count)
                numbers[interval.lowerBound] = number
                starts.append(interval.lowerBound)
                return number
            }
            renumbers = renumbers || map.enumerated().contains { $0.offset != Int($0.element) }
            renumbering[part.first] = map
        }
        if renumbers {
            let maps = renumbering
            codes.withUnsafeMutableBufferPointer { codes in
                let target = SharedCodes(codes: codes)
                _ = Parts.map(count, into: parts) { positions -> Bool in
                    guard let map = maps[positions.lowerBound] else { return false }
                    (rows ?? []).withUnsafeBufferPointer { selected in
                        let direct = rows == nil
                        for position in positions {
                            let row = direct ? position : Int(selected[position])
                            let code = target.codes[row]
                            if code != .max { target.codes[row] = map[Int(code)] }
                        }
                    }
                    return true
                }
            }
        }
        var values = starts.map { start -> DimensionValue in
            .time(Timestamp(microsecondsSinceEpoch: start), label: label(start, bucket: bucket, calendar: calendar))
        }
        // Null rows keep UInt32.max: the null member.
        values.append(.null)
        return KeyColumn(codes: codes, values: values)
    }

    /// The instants of the bucket holding `micros`: from its start (``bucketStart(_:bucket:calendar:)``) to the next
    /// bucket's start, or to just after `micros` where the calendar gives no sensible end.
    static func bucketInterval(_ micros: Int64, bucket: TimeBucket, calendar: Calendar) -> Range<Int64> {
        let start = bucketStart(micros, bucket: bucket, calendar: calendar)
        let date = Date(timeIntervalSince1970: TimeInterval(start / 1_000_000))
        let next: Date?
        switch bucket {
        case .hour: next = calendar.date(byAdding: .hour, value: 1, to: date)
        case .day: next = calendar.date(byAdding: .day, value: 1, to: date)
        case .week: next = calendar.date(byAdding: .weekOfYear, value: 1, to: date)
        case .month: next = calendar.date(byAdding: .month, value: 1, to: date)
        case .quarter: next = calendar.date(byAdding: .month, value: 3, to: date)
        case .year: next = calendar.date(byAdding: .year, value: 1, to: date)
        }
        let fallback = start..<Swift.max(start, micros == .max ? micros : micros + 1)
        guard let next, next.timeIntervalSince1970.magnitude < 9e12 else { return fallback }
        let end = Int64(next.timeIntervalSince1970.rounded()) * 1_000_000
        // The end must be the next bucket's start: checked once per bucket, which keeps every lookup exact.
        guard end > micros, bucketStart(end - 1, bucket: bucket, calendar: calendar) == start else { return fallback }
        return start..<end
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

/// Each part of a key's rows writes only the codes of its own rows.
private struct SharedCodes: @unchecked Sendable {
    let codes: UnsafeMutableBufferPointer<UInt32>
}

/// The buckets one part of the rows has met, as intervals of instants kept sorted for a binary search.
private struct BucketIntervals {
    let bucket: TimeBucket
    let calendar: Calendar
    private var sorted: [(interval: Range<Int64>, code: UInt32)] = []
    /// The intervals in the order met (the part's codes).
    private(set) var seen: [Range<Int64>] = []
    private var last: (interval: Range<Int64>, code: UInt32)?

    init(bucket: TimeBucket, calendar: Calendar) {
        self.bucket = bucket
        self.calendar = calendar
    }

    mutating func code(of micros: Int64) -> UInt32 {
        if let last, last.interval.contains(micros) { return last.code }
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].interval.lowerBound <= micros { low = middle + 1 } else { high = middle }
        }
        if low > 0, sorted[low - 1].interval.contains(micros) {
            last = sorted[low - 1]
            return sorted[low - 1].code
        }
        let interval = KeyColumn.bucketInterval(micros, bucket: bucket, calendar: calendar)
        let code = UInt32(seen.count)
        seen.append(interval)
        sorted.insert((interval, code), at: low)
        last = (interval, code)
        return code
    }
}
