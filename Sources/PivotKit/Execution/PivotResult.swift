import FinOpsCore

/// A measure's value in one cell.
public enum MeasureValue: Sendable, Hashable, CustomStringConvertible, Codable {
    /// An exact decimal (sum, min, max, avg).
    case decimal(ExactDecimal)
    /// A count.
    case integer(Int)
    /// No value (min, max or avg over no non-null values).
    case null

    /// Every digit; empty for null.
    public var description: String {
        switch self {
        case .decimal(let value): value.description
        case .integer(let value): String(value)
        case .null: ""
        }
    }
}

/// The outcome of a pivot: one cell per group of every grouping set, in a stable order.
public struct PivotResult: Sendable, Hashable {
    /// One group: its row and column members (`nil` where the cell is a total over that dimension) and measures.
    public struct Cell: Sendable, Hashable {
        /// One member per row dimension; `nil` from the level at which this cell is a subtotal.
        public var rowValues: [DimensionValue?]
        /// One member per column dimension; `nil` likewise.
        public var columnValues: [DimensionValue?]
        /// One value per measure.
        public var measures: [MeasureValue]

        /// Creates a cell.
        public init(rowValues: [DimensionValue?], columnValues: [DimensionValue?], measures: [MeasureValue]) {
            self.rowValues = rowValues
            self.columnValues = columnValues
            self.measures = measures
        }

        /// Whether the cell aggregates over at least one dimension (a subtotal or total).
        public var isTotal: Bool { rowValues.contains(nil) || columnValues.contains(nil) }
    }

    /// The query that produced the result.
    public var query: PivotQuery
    /// The cells: sorted by row members then column members, each subtotal after the members it sums.
    public var cells: [Cell]

    /// The cells that are not totals.
    public var groups: [Cell] { cells.filter { !$0.isTotal } }

    /// The grand total, if the query asked for totals.
    public var grandTotal: Cell? {
        cells.first { cell in cell.rowValues.allSatisfy { $0 == nil } && cell.columnValues.allSatisfy { $0 == nil } }
    }
}
