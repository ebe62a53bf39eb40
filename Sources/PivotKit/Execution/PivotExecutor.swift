import FinOpsCore
import Foundation

/// Runs a ``PivotQuery`` over a ``CostTable``: rows are filtered, each dimension becomes a dense code per row,
/// rows are grouped by the combined code (direct-indexed when the combinations are few, hashed otherwise) into
/// exact accumulators, and totals are re-aggregated from the groups.
struct PivotExecutor {
    let query: PivotQuery
    let table: CostTable

    func run() throws(PivotError) -> PivotResult {
        guard let zone = TimeZone(identifier: query.timeZone) else {
            throw PivotError("unknown time zone \(query.timeZone); use an IANA name such as Europe/Paris")
        }
        guard !query.measures.isEmpty else { throw PivotError("a pivot needs at least one measure, e.g. count()") }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        var selection: [Int32]?
        if let filter = query.filter { selection = try FilterEvaluator(table: table).selectedRows(filter) }
        let dimensions = query.rows + query.columns
        var keys: [KeyColumn] = []
        for dimension in dimensions {
            keys.append(try KeyColumn.make(dimension, table: table, calendar: calendar, rows: selection))
        }
        // Derived measures are computed from aggregated ("base") ones after grouping.
        var base: [Measure] = []
        for measure in query.measures.flatMap(\.baseMeasures) where !base.contains(measure) { base.append(measure) }
        var measures: [MeasureInput] = []
        for measure in base { measures.append(try MeasureInput(measure, table: table)) }
        try checkCurrencies(selection)

        var groups = Grouping(keys: keys, measures: measures)
        try groups.add(rows: selection, count: table.rowCount, parallelThreshold: query.parallelThreshold)
        if let top = query.top {
            guard !query.rows.isEmpty else { throw PivotError("a top-N needs at least one row dimension") }
            guard query.measures.contains(top.measure), let rank = base.firstIndex(of: top.measure) else {
                throw PivotError("the top-N ranks by \(top.measure), which must be one of the aggregated measures")
            }
            guard top.count > 0 else { throw PivotError("a top-N keeps at least one member") }
            try groups.foldOthers(dimension: query.rows.count - 1, count: top.count, rank: rank, measures: base)
        }
        let requested = groupingSets()
        var sets = requested
        for set in referenceSets(for: requested) where !sets.contains(set) { sets.append(set) }
        var baseCells: [[DimensionValue?]: [MeasureValue]] = [:]
        var cells: [PivotResult.Cell] = []
        for set in sets {
            for cell in try groups.cells(keeping: set, rowDimensions: query.rows.count, measures: base) {
                baseCells[cell.rowValues + cell.columnValues] = cell.measures
                if requested.contains(set) { cells.append(cell) }
            }
        }
        if query.measures != base {
            let periods = try PeriodIndex(query: query, cells: baseCells, calendar: calendar)
            cells = cells.map { cell in
                var final = cell
                final.measures = query.measures.map {
                    derive($0, cell: cell, base: base, cells: baseCells, periods: periods)
                }
                return final
            }
        }
        cells.sort(by: Self.order)
        return PivotResult(query: query, cells: try arrange(cells))
    }

    /// The grouping sets that percentages of totals, parents or columns refer to.
    private func referenceSets(for requested: [[Bool]]) -> [[Bool]] {
        let rows = query.rows.count
        let columns = query.columns.count
        var sets: [[Bool]] = []
        func visit(_ measure: Measure) {
            switch measure {
            case .ratio(let lhs, let rhs), .difference(let lhs, let rhs):
                visit(lhs)
                visit(rhs)
            case .percentOfTotal(let inner):
                sets.append(Array(repeating: false, count: rows + columns))
                visit(inner)
            case .percentOfColumn(let inner):
                for set in requested { sets.append(Array(repeating: false, count: rows) + set[rows...]) }
                visit(inner)
            case .percentOfParent(let inner):
                for set in requested {
                    var parent = set
                    if let last = parent[..<rows].lastIndex(of: true) { parent[last] = false }
                    sets.append(parent)
                }
                visit(inner)
            default:
                break
            }
        }
        query.measures.forEach(visit)
        return sets
    }

    /// The value of a (possibly derived) measure for a cell, from the base measures of it and its reference cells.
    private func derive(
        _ measure: Measure,
        cell: PivotResult.Cell,
        base: [Measure],
        cells: [[DimensionValue?]: [MeasureValue]],
        periods: PeriodIndex?
    ) -> MeasureValue {
        let rows = query.rows.count
        func value(_ measure: Measure, at key: [DimensionValue?]) -> MeasureValue {
            if let index = base.firstIndex(of: measure) { return cells[key]?[index] ?? .null }
            return derive(
                measure,
                cell: PivotResult.Cell(
                    rowValues: Array(key[..<rows]),
                    columnValues: Array(key[rows...]),
                    measures: []
                ),
                base: base,
                cells: cells,
                periods: periods
            )
        }
        let key = cell.rowValues + cell.columnValues
        switch measure {
        case .ratio(let lhs, let rhs):
            return divide(value(lhs, at: key), by: value(rhs, at: key), scale: 1)
        case .difference(let lhs, let rhs):
            guard let a = decimal(value(lhs, at: key)), let b = decimal(value(rhs, at: key)) else { return .null }
            return (try? a.subtracting(b)).map(MeasureValue.decimal) ?? .null
        case .percentOfTotal(let inner):
            return divide(
                value(inner, at: key),
                by: value(inner, at: Array(repeating: nil, count: key.count)),
                scale: 100
            )
        case .percentOfColumn(let inner):
            return divide(
                value(inner, at: key),
                by: value(inner, at: Array(repeating: nil, count: rows) + cell.columnValues),
                scale: 100
            )
        case .percentOfParent(let inner):
            var parent = cell.rowValues
            if let last = parent.lastIndex(where: { $0 != nil }) { parent[last] = nil }
            return divide(value(inner, at: key), by: value(inner, at: parent + cell.columnValues), scale: 100)
        case .change(let inner, let offset):
            guard let earlier = periods?.key(key, shiftedBy: offset),
                let now = decimal(value(inner, at: key)), let then = decimal(value(inner, at: earlier)),
                let change = try? now.subtracting(then)
            else { return .null }
            return .decimal(change)
        case .percentChange(let inner, let offset):
            guard let earlier = periods?.key(key, shiftedBy: offset),
                let now = decimal(value(inner, at: key)), let then = decimal(value(inner, at: earlier)),
                let change = try? now.subtracting(then)
            else { return .null }
            return divide(.decimal(change), by: .decimal(then), scale: 100)
        default:
            return value(measure, at: key)
        }
    }

    private func decimal(_ value: MeasureValue) -> ExactDecimal? {
        switch value {
        case .decimal(let amount): amount
        case .integer(let count): ExactDecimal(count)
        case .null: nil
        }
    }

    /// `scale × lhs / rhs`, rounded half to even at 18 digits; null for a null operand or a zero divisor.
    private func divide(_ lhs: MeasureValue, by rhs: MeasureValue, scale: Int) -> MeasureValue {
        guard let a = decimal(lhs), let b = decimal(rhs), !b.isZero,
            let numerator = try? a.multiplied(by: scale),
            let quotient = exactQuotient(numerator.units, b.units)
        else { return .null }
        return .decimal(ExactDecimal(units: quotient))
    }

    /// Applies HAVING, the sort keys and the limit to the groups; totals stay, after the groups.
    private func arrange(_ cells: [PivotResult.Cell]) throws(PivotError) -> [PivotResult.Cell] {
        guard query.having != nil || !query.sort.isEmpty || query.limit != nil else { return cells }
        var groups = cells.filter { !$0.isTotal }
        let totals = cells.filter(\.isTotal)
        if let having = query.having {
            var kept: [PivotResult.Cell] = []
            for cell in groups where try HavingEvaluator(measures: query.measures).holds(having, for: cell) == true {
                kept.append(cell)
            }
            groups = kept
        }
        if !query.sort.isEmpty {
            let dimensions = query.rows + query.columns
            var keys: [(dimension: Int?, measure: Int?, descending: Bool)] = []
            for key in query.sort {
                switch key {
                case .dimension(let dimension, let descending):
                    guard let index = dimensions.firstIndex(of: dimension) else {
                        throw PivotError("cannot sort by \(dimension): it is not one of the dimensions")
                    }
                    keys.append((index, nil, descending))
                case .measure(let measure, let descending):
                    guard let index = query.measures.firstIndex(of: measure) else {
                        throw PivotError("cannot sort by \(measure): it is not one of the measures")
                    }
                    keys.append((nil, index, descending))
                }
            }
            // Stable: groups equal under every key keep their dimension order.
            groups = groups.enumerated().sorted { lhs, rhs in
                for key in keys {
                    let order: Int
                    if let dimension = key.dimension {
                        let a = (lhs.element.rowValues + lhs.element.columnValues)[dimension]!
                        let b = (rhs.element.rowValues + rhs.element.columnValues)[dimension]!
                        order = a == b ? 0 : (a < b ? -1 : 1)
                    } else {
                        order = compare(lhs.element.measures[key.measure!], rhs.element.measures[key.measure!])
                    }
                    if order != 0 { return key.descending ? order > 0 : order < 0 }
                }
                return lhs.offset < rhs.offset
            }
            .map(\.element)
        }
        if let limit = query.limit { groups = Array(groups.prefix(max(limit, 0))) }
        return groups + totals
    }

    /// Orders measure values; null sorts last whatever the direction.
    private func compare(_ lhs: MeasureValue, _ rhs: MeasureValue) -> Int {
        switch (lhs, rhs) {
        case (.decimal(let a), .decimal(let b)): a == b ? 0 : (a < b ? -1 : 1)
        case (.integer(let a), .integer(let b)): a == b ? 0 : (a < b ? -1 : 1)
        case (.null, .null): 0
        case (.null, _): 1
        case (_, .null): -1
        default: 0
        }
    }

    /// For each grouping set, which dimensions it keeps (row dimensions first).
    private func groupingSets() -> [[Bool]] {
        let rows = query.rows.count
        let columns = query.columns.count
        func set(_ rowLevel: Int, _ columnLevel: Int) -> [Bool] {
            (0..<rows).map { $0 < rowLevel } + (0..<columns).map { $0 < columnLevel }
        }
        switch query.totals {
        case .none:
            return [set(rows, columns)]
        case .grand:
            var sets = [set(rows, columns), set(0, 0)]
            if rows > 0 && columns > 0 { sets += [set(rows, 0), set(0, columns)] }
            return sets
        case .all:
            return (0...rows).flatMap { r in (0...columns).map { c in set(r, c) } }
        }
    }

    /// Never adds amounts of different currencies: a money measure over several currencies needs
    /// BillingCurrency as a dimension.
    private func checkCurrencies(_ selection: [Int32]?) throws(PivotError) {
        let dimensions = query.rows + query.columns
        guard query.measures.flatMap(\.baseMeasures).contains(where: \.isMoney),
            !dimensions.contains(.column("BillingCurrency")),
            let currencies = table.strings("BillingCurrency")
        else { return }
        var seen = Set<UInt32>()
        if let selection {
            for row in selection { seen.insert(currencies.codes[Int(row)]) }
        } else {
            seen = Set(currencies.codes)
        }
        seen.remove(StringColumn.nullCode)
        guard seen.count > 1 else { return }
        let names = seen.map { currencies.dictionary[Int($0)] }.sorted().joined(separator: ", ")
        throw PivotError(
            "the rows are billed in several currencies (\(names)) and amounts of different currencies are never added: "
                + "add BillingCurrency to the rows (e.g. --rows BillingCurrency,\(query.rows.first?.description ?? "ServiceName")) "
                + "or filter one currency (--where \"BillingCurrency = '\(names.prefix(3))'\")"
        )
    }

    /// Row members, then column members; a total (nil) after the members it sums.
    static func order(_ lhs: PivotResult.Cell, _ rhs: PivotResult.Cell) -> Bool {
        for (a, b) in zip(lhs.rowValues + lhs.columnValues, rhs.rowValues + rhs.columnValues) where a != b {
            switch (a, b) {
            case (nil, _): return false
            case (_, nil): return true
            case (let a?, let b?): return a < b
            }
        }
        return false
    }
}

/// The column a measure reads, resolved once.
struct MeasureInput {
    enum Source {
        case none
        case decimal(DecimalColumn)
        /// Dictionary codes in `0..<domain`, or `nullCode`.
        case codes([UInt32], nullCode: UInt32, domain: Int)
        case timestamps(TimestampColumn)
    }

    let measure: Measure
    let source: Source

    init(_ measure: Measure, table: CostTable) throws(PivotError) {
        self.measure = measure
        guard let name = measure.column else {
            source = .none
            return
        }
        guard let column = table.column(named: name) else { throw unknownColumn(name, table: table) }
        switch (measure, column.data) {
        case (_, .decimal(let values)):
            source = .decimal(values)
        case (.approxCountDistinct, .string(let values)):
            source = .codes(values.codes, nullCode: StringColumn.nullCode, domain: values.dictionary.count)
        case (.approxCountDistinct, .timestamp(let values)):
            source = .timestamps(values)
        case (.countDistinct, .string(let values)):
            source = .codes(values.codes, nullCode: StringColumn.nullCode, domain: values.dictionary.count)
        case (.countDistinct, .tags(let values)):
            // Equal tag sets may have several codes, so they are counted by value.
            var index: [TagSet: UInt32] = [:]
            let canonical = values.sets.map { set -> UInt32 in
                if let code = index[set] { return code }
                let code = UInt32(index.count)
                index[set] = code
                return code
            }
            source = .codes(
                values.codes.map { $0 == TagColumn.nullCode ? $0 : canonical[Int($0)] },
                nullCode: TagColumn.nullCode,
                domain: index.count
            )
        case (.countDistinct, .timestamp(let values)):
            source = .timestamps(values)
        default:
            throw PivotError("\(measure) needs a decimal column; \(name) is not one")
        }
    }
}

/// Finds, for a cell, the cell of an earlier time bucket with the same other members (period over period).
struct PeriodIndex {
    private let dimension: Int
    private let bucket: TimeBucket
    private let calendar: Calendar
    private var members: [Int64: DimensionValue] = [:]

    /// `nil` when the query has no change measure; throws when it has one but no time dimension.
    init?(query: PivotQuery, cells: [[DimensionValue?]: [MeasureValue]], calendar: Calendar) throws(PivotError) {
        func comparesPeriods(_ measure: Measure) -> Bool {
            switch measure {
            case .change, .percentChange: true
            case .ratio(let lhs, let rhs), .difference(let lhs, let rhs): comparesPeriods(lhs) || comparesPeriods(rhs)
            case .percentOfTotal(let inner), .percentOfParent(let inner), .percentOfColumn(let inner):
                comparesPeriods(inner)
            default: false
            }
        }
        guard query.measures.contains(where: comparesPeriods) else { return nil }
        let dimensions = query.rows + query.columns
        guard let index = dimensions.lastIndex(where: { if case .time = $0 { true } else { false } }),
            case .time(_, let bucket) = dimensions[index]
        else {
            throw PivotError("change and pct_change compare time buckets: add one, e.g. month(ChargePeriodStart)")
        }
        self.dimension = index
        self.bucket = bucket
        self.calendar = calendar
        for key in cells.keys {
            if case .time(let start, _)? = key[index] { members[start.microsecondsSinceEpoch] = key[index] }
        }
    }

    /// The key of the same cell `offset` buckets earlier, if that bucket has data.
    func key(_ key: [DimensionValue?], shiftedBy offset: Int) -> [DimensionValue?]? {
        guard case .time(let start, _)? = key[dimension] else { return nil }
        let component: Calendar.Component =
            switch bucket {
            case .hour: .hour
            case .day: .day
            case .week: .weekOfYear
            case .month: .month
            case .quarter: .quarter
            case .year: .year
            }
        let date = Date(timeIntervalSince1970: TimeInterval(start.microsecondsSinceEpoch / 1_000_000))
        let amount = bucket == .quarter ? -3 * offset : -offset
        guard let earlier = calendar.date(byAdding: bucket == .quarter ? .month : component, value: amount, to: date),
            let member = members[Int64(earlier.timeIntervalSince1970.rounded()) * 1_000_000]
        else { return nil }
        var shifted = key
        shifted[dimension] = member
        return shifted
    }
}
