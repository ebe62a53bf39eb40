import FinOpsCore

/// A calendar unit that timestamps are truncated to.
public enum TimeBucket: String, Sendable, Hashable, Codable, CaseIterable {
    case hour
    case day
    /// ISO 8601 weeks, starting on Monday.
    case week
    case month
    case quarter
    case year
}

/// What rows are grouped by.
public enum PivotDimension: Sendable, Hashable, CustomStringConvertible {
    /// The values of a text column: a FOCUS column (`ServiceName`) or an extra one (`x_Team`).
    case column(String)
    /// A timestamp column truncated to a calendar bucket in the query's time zone (`month(ChargePeriodStart)`).
    case time(String, TimeBucket)
    /// The value of one tag key; rows without the key form the "(untagged)" member (`tag(team)`).
    case tag(String)

    /// The dimension as written in the textual syntax.
    public var description: String {
        switch self {
        case .column(let name): name
        case .time(let name, let bucket): "\(bucket.rawValue)(\(name))"
        case .tag(let key): "tag(\(key))"
        }
    }
}

/// A value computed over the rows of a group.
public enum Measure: Sendable, Hashable, CustomStringConvertible {
    /// The number of rows.
    case count
    /// The exact sum of a decimal column (nulls skipped).
    case sum(String)
    /// The smallest value of a decimal column.
    case min(String)
    /// The largest value of a decimal column.
    case max(String)
    /// The mean of a decimal column's non-null values, rounded half to even at 18 fractional digits.
    case avg(String)
    /// The exact number of distinct non-null values of a column.
    case countDistinct(String)
    /// The `percent`-th percentile (1–99) of a decimal column's non-null values, interpolated linearly between
    /// neighbours (as DuckDB's `quantile_cont`), exact, rounded half to even at 18 fractional digits when needed.
    case percentile(String, Int)

    /// The measure as written in the textual syntax.
    public var description: String {
        switch self {
        case .count: "count()"
        case .sum(let column): "sum(\(column))"
        case .min(let column): "min(\(column))"
        case .max(let column): "max(\(column))"
        case .avg(let column): "avg(\(column))"
        case .countDistinct(let column): "count_distinct(\(column))"
        case .percentile(let column, let percent): "p\(percent)(\(column))"
        }
    }

    /// The column the measure reads, if any.
    public var column: String? {
        switch self {
        case .count: nil
        case .sum(let column), .min(let column), .max(let column), .avg(let column), .countDistinct(let column),
            .percentile(let column, _):
            column
        }
    }

    /// Whether the result is an amount in the billing currency (so currencies must not be mixed).
    var isMoney: Bool {
        switch self {
        case .sum(let column), .min(let column), .max(let column), .avg(let column), .percentile(let column, _):
            Measure.moneyColumns.contains(column)
        case .count, .countDistinct: false
        }
    }

    static let moneyColumns: Set<String> = [
        "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice",
    ]
}

/// Which totals a pivot adds to its cells.
public enum PivotTotals: String, Sendable, Hashable, Codable {
    /// Only the cells.
    case none
    /// The grand total, plus each row's total across columns and each column's total across rows.
    case grand
    /// Subtotals at every level of the row and column dimensions (ROLLUP semantics), and the grand total.
    case all
}
