import FinOpsCore
import Foundation

/// Runs a ``PivotQuery`` over a ``CostTable``, or over a store's rows a window at a time: rows are filtered, each
/// dimension becomes a dense code per row, rows are grouped by the combined code (direct-indexed when the combinations
/// are few, hashed otherwise) into exact accumulators, chunk by chunk and over all cores for large inputs; each
/// window's groups are merged into the ones before by their members' values, and totals are re-aggregated from the
/// groups at the end.
struct PivotExecutor: WindowedEvaluation {
    let query: PivotQuery
    private let assembly: PivotAssembly
    /// The groups of every window added so far.
    private var groups: Grouping?
    /// The one currency the money measures' rows have been billed in so far, where the check applies.
    private var currency: String?

    init(query: PivotQuery) throws(PivotError) {
        self.query = query
        self.assembly = try PivotAssembly(query: query)
    }

    /// The answer over one table.
    static func run(_ query: PivotQuery, on table: CostTable) throws(PivotError) -> PivotResult {
        var executor = try PivotExecutor(query: query)
        try executor.aggregate(table)
        return try executor.result()
    }

    var rowsPerWindow: Int { query.tuning.windowRows }

    mutating func add(_ window: CostTable) throws {
        try aggregate(window)
    }

    func finish() throws -> PivotResult {
        try result()
    }

    /// Groups a window's rows and merges its groups into the earlier windows'.
    mutating func aggregate(_ table: CostTable) throws(PivotError) {
        var selection: [Int32]?
        if let filter = query.filter {
            selection = try FilterEvaluator(table: table, tuning: query.tuning).selectedRows(filter)
        }
        let dimensions = query.rows + query.columns
        var keys: [KeyColumn] = []
        for dimension in dimensions {
            keys.append(
                try KeyColumn.make(
                    dimension,
                    table: table,
                    calendar: assembly.calendar,
                    rows: selection,
                    tuning: query.tuning
                )
            )
        }
        // Derived measures are computed from aggregated ("base") ones after grouping.
        var measures: [MeasureInput] = []
        for measure in assembly.baseMeasures { measures.append(try MeasureInput(measure, table: table)) }
        try checkCurrencies(table, selection)

        var window = Grouping(keys: keys, measures: measures)
        try window.add(rows: selection, count: table.rowCount, tuning: query.tuning)
        if groups == nil {
            window.releaseRows()
            groups = window
        } else {
            try groups?.absorb(window: window)
        }
    }

    /// The cells of every window's groups, with top-N, totals, sorting and derived measures.
    func result() throws(PivotError) -> PivotResult {
        guard var groups else { throw PivotError("a pivot was asked for its result before any rows") }
        let base = assembly.baseMeasures
        if let top = query.top {
            guard !query.rows.isEmpty else { throw PivotError("a top-N needs at least one row dimension") }
            guard query.measures.contains(top.measure), let rank = base.firstIndex(of: top.measure) else {
                throw PivotError("the top-N ranks by \(top.measure), which must be one of the aggregated measures")
            }
            guard top.count > 0 else { throw PivotError("a top-N keeps at least one member") }
            try groups.foldOthers(dimension: query.rows.count - 1, count: top.count, rank: rank, measures: base)
        }
        var cells: [PivotResult.Cell] = []
        for set in assembly.groupingSetsToAggregate {
            cells += try groups.cells(keeping: set, rowDimensions: query.rows.count, measures: base)
        }
        return try assembly.result(cells: cells)
    }

    /// Never adds amounts of different currencies: a money measure over several currencies needs
    /// BillingCurrency as a dimension. Windows are checked as they come, against the currency of the ones before.
    private mutating func checkCurrencies(_ table: CostTable, _ selection: [Int32]?) throws(PivotError) {
        let dimensions = query.rows + query.columns
        guard query.measures.flatMap(\.baseMeasures).contains(where: \.isMoney),
            !dimensions.contains(.column("BillingCurrency")),
            let currencies = table.strings("BillingCurrency")
        else { return }
        var names: [String]
        if currencies.dictionary.count == 1 {
            // A dictionary of one currency needs no look at the rows, unless none is selected.
            names = currencies.dictionary
        } else {
            let seen = usedCodes(currencies, selection, stoppingAtTwo: true)
            names = seen.indices.filter { seen[$0] }.map { currencies.dictionary[$0] }
            if names.count > 1 {
                // Only to name every currency in the error.
                let all = usedCodes(currencies, selection, stoppingAtTwo: false)
                names = all.indices.filter { all[$0] }.map { currencies.dictionary[$0] }
            }
        }
        if let currency, !names.isEmpty, !names.contains(currency) { names.append(currency) }
        if currency == nil, names.count == 1 { currency = names[0] }
        guard names.count > 1 else { return }
        names.sort()
        throw PivotError(
            .mixedCurrencies,
            "the rows are billed in several currencies (\(names.joined(separator: ", "))) and amounts of different "
                + "currencies are never added: group by BillingCurrency or filter one currency",
            subjects: names
        )
    }

    /// Which codes of the dictionary the (selected) rows hold, found on all cores for large inputs; with
    /// `stoppingAtTwo`, a part stops once it has seen two codes, which is all the check needs.
    private func usedCodes(_ column: StringColumn, _ selection: [Int32]?, stoppingAtTwo: Bool) -> [Bool] {
        let count = selection?.count ?? column.codes.count
        let parts = count >= query.tuning.parallelThreshold ? ExecutionTuning.cores : 1
        let domain = column.dictionary.count
        let codes = column.codes
        let found = Parts.map(count, into: parts) { positions -> [Bool] in
            // One flag per currency code: no hashing per row.
            var seen = [Bool](repeating: false, count: domain)
            var distinct = 0
            codes.withUnsafeBufferPointer { codes in
                (selection ?? []).withUnsafeBufferPointer { selected in
                    let direct = selection == nil
                    for position in positions {
                        let code = codes[direct ? position : Int(selected[position])]
                        guard code != StringColumn.nullCode, !seen[Int(code)] else { continue }
                        seen[Int(code)] = true
                        distinct += 1
                        if stoppingAtTwo, distinct > 1 { return }
                    }
                }
            }
            return seen
        }
        var seen = [Bool](repeating: false, count: domain)
        for part in found { for code in part.indices where part[code] { seen[code] = true } }
        return seen
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

    private init(measure: Measure, source: Source) {
        self.measure = measure
        self.source = source
    }

    /// The measure without its column: what a grouping keeps once its rows are aggregated.
    var withoutRows: MeasureInput { MeasureInput(measure: measure, source: .none) }

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
