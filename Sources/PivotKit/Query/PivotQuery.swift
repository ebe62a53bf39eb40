import FinOpsCore
import Foundation

/// A pivot: rows grouped by dimensions (split into rows × columns), measures per group, a filter and totals.
///
/// The same query runs in memory over a ``FinOpsCore/CostTable`` (``PivotQuery/run(on:)``) and, in later modules,
/// as SQL in PostgreSQL.
public struct PivotQuery: Sendable, Hashable {
    /// Dimensions of the rows, outermost first.
    public var rows: [PivotDimension]
    /// Dimensions of the columns, outermost first.
    public var columns: [PivotDimension]
    /// The measures of each cell.
    public var measures: [Measure]
    /// Which rows take part; `nil` for all.
    public var filter: FilterExpression?
    /// Which totals are added.
    public var totals: PivotTotals
    /// The IANA time zone that time buckets are computed in.
    public var timeZone: String
    /// Keeps only the groups whose measures pass, as SQL's HAVING (totals still cover every filtered row).
    public var having: FilterExpression?
    /// Keeps the first members of the innermost row dimension within each parent and folds the rest into Others.
    public var top: TopN?
    /// The order of the groups; by the dimensions when empty.
    public var sort: [SortKey]
    /// At most this many groups (after sorting); totals are not affected.
    public var limit: Int?
    /// How the in-memory executor splits its work.
    var tuning = ExecutionTuning()

    /// Creates a query.
    public init(
        rows: [PivotDimension],
        columns: [PivotDimension] = [],
        measures: [Measure] = [.count],
        filter: FilterExpression? = nil,
        totals: PivotTotals = .none,
        timeZone: String = "UTC",
        having: FilterExpression? = nil,
        top: TopN? = nil,
        sort: [SortKey] = [],
        limit: Int? = nil
    ) {
        self.rows = rows
        self.columns = columns
        self.measures = measures
        self.filter = filter
        self.totals = totals
        self.timeZone = timeZone
        self.having = having
        self.top = top
        self.sort = sort
        self.limit = limit
    }

    /// Runs the query in memory.
    ///
    /// - Complexity: O(rows of the table × (dimensions + measures)), plus the groups for totals.
    /// - Throws: ``PivotError`` for an unknown column, a column of the wrong type, mixed currencies in a money
    ///   measure, or a sum that overflows.
    public func run(on table: CostTable) throws(PivotError) -> PivotResult {
        try PivotExecutor.run(self, on: table)
    }

    /// The columns the query reads (`Tags` for tag dimensions and filters, `BillingCurrency` for the currency
    /// check): a store needs to read only these, see ``FinOpsCore/CostFilter/columns``. Never `nil`.
    public var columnsRead: Set<String>? {
        var names: Set<String> = ["BillingCurrency"]
        func add(_ dimension: PivotDimension) {
            switch dimension {
            case .column(let name), .time(let name, _): names.insert(name)
            case .tag: names.insert("Tags")
            }
        }
        func add(_ measure: Measure) {
            for base in measure.baseMeasures { if let column = base.column { names.insert(column) } }
        }
        func add(_ filter: FilterExpression) {
            for field in filter.fields {
                switch field {
                case .column(let name): names.insert(name)
                case .tag: names.insert("Tags")
                case .measure(let measure): add(measure)
                }
            }
        }
        for dimension in rows + columns { add(dimension) }
        for measure in measures { add(measure) }
        if let top { add(top.measure) }
        for key in sort {
            switch key {
            case .dimension(let dimension, _): add(dimension)
            case .measure(let measure, _): add(measure)
            }
        }
        for filter in [filter, having].compactMap({ $0 }) { add(filter) }
        return names
    }
}

extension PivotQuery: CostQuery {
    /// Runs the query in memory; see ``run(on:)``.
    public func evaluate(on table: CostTable) throws -> PivotResult {
        try run(on: table)
    }

    /// Aggregates window by window: a store's rows are read a window at a time (``ExecutionTuning/windowRows``)
    /// and each window's groups merged into the ones before, giving the cells ``run(on:)`` gives over all the rows.
    public func windowedEvaluation() throws -> (any WindowedEvaluation<PivotResult>)? {
        try PivotExecutor(query: self)
    }
}

/// The largest members of the innermost row dimension within each combination of the outer ones, the rest
/// folded into one "Others" member whose measures are the exact remainder.
public struct TopN: Sendable, Hashable {
    /// How many members are kept per parent.
    public var count: Int
    /// Which of the query's measures ranks them (largest first); ties go to the smaller member.
    public var measure: Measure

    /// Creates a top-N.
    public init(_ count: Int, by measure: Measure) {
        self.count = count
        self.measure = measure
    }
}

/// One key of the group order.
public enum SortKey: Sendable, Hashable {
    /// By a dimension's members.
    case dimension(PivotDimension, descending: Bool)
    /// By a measure's values (nulls last).
    case measure(Measure, descending: Bool)
}

/// Why a pivot cannot run.
public struct PivotError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure, for programs that react to some (a command line adds its own hints by code).
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable identifier.
        public var rawValue: String

        init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// The query cannot be answered as asked (see the message).
        public static let invalidQuery = Code("invalid-query")
        /// Money measures over rows billed in several currencies; ``PivotError/subjects`` lists them.
        public static let mixedCurrencies = Code("mixed-currencies")
        /// A measure in the row filter; ``PivotError/subjects`` names it: it belongs in ``PivotQuery/having``.
        public static let measureInFilter = Code("measure-in-filter")
        /// A column, tag or text test in HAVING; ``PivotError/subjects`` names it: it belongs in
        /// ``PivotQuery/filter``.
        public static let rowTestInHaving = Code("row-test-in-having")
        /// A value leaves the exact decimal range.
        public static let overflow = Code("overflow")
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong, for a person, with what to do about it in the library's terms.
    public var message: String
    /// What the error is about (currencies, a measure, a field), for hints that name them.
    public var subjects: [String]

    /// Creates an error.
    public init(_ code: Code, _ message: String, subjects: [String] = []) {
        self.code = code
        self.message = message
        self.subjects = subjects
    }

    /// Creates an error of the code ``Code/invalidQuery``.
    public init(_ message: String) {
        self.init(.invalidQuery, message)
    }

    public var description: String { message }
}

/// How the in-memory executor splits its work; tests shrink both sizes to take every path on small tables.
struct ExecutionTuning: Sendable, Hashable {
    /// From how many rows aggregation is split over the cores: below it, starting threads costs more than it saves.
    var parallelThreshold = 262_144
    /// Rows aggregated per chunk, sized so that a chunk's per-row scratch stays in the core's cache.
    var chunkRows = 16_384
    /// Rows a store reads at a time for a pivot: enough to spread over the cores, few enough that one window's
    /// columns (about 20 MB for a typical query) are all a pivot over a large store holds in memory.
    var windowRows = 1 << 19

    /// How many parts large inputs are split into: one per core, at least 2 (so the merge always runs the same way,
    /// whatever the machine) and at most 64.
    static let cores = Swift.min(Swift.max(ProcessInfo.processInfo.activeProcessorCount, 2), 64)
}
