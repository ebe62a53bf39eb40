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

    /// Creates a query.
    public init(
        rows: [PivotDimension],
        columns: [PivotDimension] = [],
        measures: [Measure] = [.count],
        filter: FilterExpression? = nil,
        totals: PivotTotals = .none,
        timeZone: String = "UTC"
    ) {
        self.rows = rows
        self.columns = columns
        self.measures = measures
        self.filter = filter
        self.totals = totals
        self.timeZone = timeZone
    }

    /// Runs the query in memory.
    ///
    /// - Complexity: O(rows of the table × (dimensions + measures)), plus the groups for totals.
    /// - Throws: ``PivotError`` for an unknown column, a column of the wrong type, mixed currencies in a money
    ///   measure, or a sum that overflows.
    public func run(on table: CostTable) throws(PivotError) -> PivotResult {
        try PivotExecutor(query: self, table: table).run()
    }
}

/// Why a pivot cannot run.
public struct PivotError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for a person, with what to do about it.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
