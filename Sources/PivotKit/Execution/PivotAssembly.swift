import FinOpsCore
import Foundation

/// What both executors share once the base measures are aggregated per grouping set: which sets a query needs,
/// derived measures computed from the base cells, HAVING, sort and limit, and the stable cell order.
///
/// The in-memory executor and the reader of a compiled SQL statement go through it, so a pivot has the same
/// cells whichever one answered it.
struct PivotAssembly {
    let query: PivotQuery
    let calendar: Calendar

    init(query: PivotQuery) throws(PivotError) {
        guard let zone = TimeZone(identifier: query.timeZone) else {
            throw PivotError("unknown time zone \(query.timeZone); use an IANA name such as Europe/Paris")
        }
        guard !query.measures.isEmpty else { throw PivotError("a pivot needs at least one measure, e.g. count()") }
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = zone
        self.query = query
        self.calendar = calendar
    }

    /// The aggregated measures: the query's own and those its derived measures are computed from, once each.
    var baseMeasures: [Measure] {
        var base: [Measure] = []
        for measure in query.measures.flatMap(\.baseMeasures) where !base.contains(measure) { base.append(measure) }
        return base
    }

    /// For each grouping set to aggregate, which dimensions it keeps (row dimensions first): the sets the query
    /// shows, then those its derived measures refer to.
    var groupingSetsToAggregate: [[Bool]] {
        let requested = groupingSets()
        var sets = requested
        for set in referenceSets(for: requested) where !sets.contains(set) { sets.append(set) }
        return sets
    }

    /// The result from the base cells of every set in ``groupingSetsToAggregate``.
    func result(cells aggregated: [PivotResult.Cell]) throws(PivotError) -> PivotResult {
        let requested = groupingSets()
        let base = baseMeasures
        let baseCells = withoutCrossCurrencyAmounts(aggregated, base: base)
        var cells = baseCells.filter { requested.contains(($0.rowValues + $0.columnValues).map { $0 != nil }) }
        if query.measures != base {
            var index: [[DimensionValue?]: [MeasureValue]] = [:]
            for cell in baseCells { index[cell.rowValues + cell.columnValues] = cell.measures }
            let periods = try PeriodIndex(query: query, cells: index, calendar: calendar)
            cells = cells.map { cell in
                var final = cell
                final.measures = query.measures.map {
                    derive($0, cell: cell, base: base, cells: index, periods: periods)
                }
                return final
            }
        }
        return PivotResult(query: query, cells: try arrange(Self.sorted(cells)))
    }

    /// Amounts of different currencies are never added: with BillingCurrency as a dimension and more than one
    /// currency among the groups, the cells that total over it show no amount (null) for money measures, while
    /// counts stay. Derived measures of those amounts are null in turn.
    private func withoutCrossCurrencyAmounts(
        _ cells: [PivotResult.Cell],
        base: [Measure]
    ) -> [PivotResult.Cell] {
        guard let position = (query.rows + query.columns).firstIndex(of: .column("BillingCurrency")),
            base.contains(where: \.isMoney)
        else { return cells }
        let rowCount = query.rows.count
        func member(_ cell: PivotResult.Cell) -> DimensionValue? {
            position < rowCount ? cell.rowValues[position] : cell.columnValues[position - rowCount]
        }
        var currencies: Set<DimensionValue> = []
        for cell in cells { if let currency = member(cell) { currencies.insert(currency) } }
        guard currencies.count > 1 else { return cells }
        return cells.map { cell in
            guard member(cell) == nil else { return cell }
            var cell = cell
            for (index, measure) in base.enumerated() where measure.isMoney && index < cell.measures.count {
                cell.measures[index] = .null
            }
            return cell
        }
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

    /// The cells in ``order(_:_:)``, sorted by each member's rank among its dimension's members: the members of a
    /// dimension are compared once, then cells by integers (comparing cells member by member took half of a pivot
    /// with hundreds of thousands of cells).
    static func sorted(_ cells: [PivotResult.Cell]) -> [PivotResult.Cell] {
        guard cells.count > 1, let first = cells.first else { return cells }
        let rowCount = first.rowValues.count
        let width = rowCount + first.columnValues.count
        func member(_ cell: PivotResult.Cell, _ position: Int) -> DimensionValue? {
            position < rowCount ? cell.rowValues[position] : cell.columnValues[position - rowCount]
        }
        var keys = [Int32](repeating: .max, count: cells.count * width)
        for position in 0..<width {
            var members = Set<DimensionValue>()
            for cell in cells { if let value = member(cell, position) { members.insert(value) } }
            var rank = [DimensionValue: Int32](minimumCapacity: members.count)
            for (index, value) in members.sorted().enumerated() { rank[value] = Int32(truncatingIfNeeded: index) }
            for (index, cell) in cells.enumerated() {
                // A total (nil) keeps .max: it sorts after the members it sums.
                if let value = member(cell, position), let found = rank[value] {
                    keys[index * width + position] = found
                }
            }
        }
        let order = keys.withUnsafeBufferPointer { keys in
            (0..<cells.count).sorted { lhs, rhs in
                for position in 0..<width where keys[lhs * width + position] != keys[rhs * width + position] {
                    return keys[lhs * width + position] < keys[rhs * width + position]
                }
                return lhs < rhs
            }
        }
        return order.map { cells[$0] }
    }

    /// Row members, then column members; a total (nil) after the members it sums.
    static func order(_ lhs: PivotResult.Cell, _ rhs: PivotResult.Cell) -> Bool {
        // Compared in place: joining the two lists allocated two arrays per comparison, which was half the time of
        // a pivot with hundreds of thousands of cells.
        firstDifference(lhs.rowValues, rhs.rowValues) ?? firstDifference(lhs.columnValues, rhs.columnValues) ?? false
    }

    /// Whether `lhs` sorts first at the first member where the two differ; `nil` when they do not.
    private static func firstDifference(_ lhs: [DimensionValue?], _ rhs: [DimensionValue?]) -> Bool? {
        for (a, b) in zip(lhs, rhs) where a != b {
            switch (a, b) {
            case (nil, _): return false
            case (_, nil): return true
            case (let a?, let b?): return a < b
            }
        }
        return nil
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
