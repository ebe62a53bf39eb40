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
    /// The value of one tag key; rows without the key, or with a JSON null for it, form the "(untagged)" member
    /// (`tag(team)`).
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
public indirect enum Measure: Sendable, Hashable, CustomStringConvertible {
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
    /// An estimate of the number of distinct non-null values (HyperLogLog with 4,096 registers: a standard error
    /// of about 1.6%; linear counting below about 10,000 values), in 4 KiB per group.
    case approxCountDistinct(String)
    /// The `percent`-th percentile (1–99) of a decimal column's non-null values, interpolated linearly between
    /// neighbours (as DuckDB's `quantile_cont`), exact, rounded half to even at 18 fractional digits when needed.
    case percentile(String, Int)
    /// One measure divided by another (e.g. EffectiveCost / ListCost), rounded half to even at 18 digits; null
    /// when the divisor is zero or null.
    case ratio(Measure, Measure)
    /// One measure minus another.
    case difference(Measure, Measure)
    /// A measure as a percentage of the grand total's.
    case percentOfTotal(Measure)
    /// A measure as a percentage of the cell one row level up (the subtotal it belongs to).
    case percentOfParent(Measure)
    /// A measure as a percentage of its column's total (all rows, same column members).
    case percentOfColumn(Measure)
    /// A measure minus its value `offset` time buckets earlier (same other members); needs a time dimension.
    case change(Measure, offset: Int)
    /// The change as a percentage of the earlier value.
    case percentChange(Measure, offset: Int)

    /// The measure as written in the textual syntax.
    public var description: String {
        switch self {
        case .count: "count()"
        case .sum(let column): "sum(\(column))"
        case .min(let column): "min(\(column))"
        case .max(let column): "max(\(column))"
        case .avg(let column): "avg(\(column))"
        case .countDistinct(let column): "count_distinct(\(column))"
        case .approxCountDistinct(let column): "approx_count_distinct(\(column))"
        case .percentile(let column, let percent): "p\(percent)(\(column))"
        case .ratio(let lhs, let rhs): "ratio(\(lhs), \(rhs))"
        case .difference(let lhs, let rhs): "diff(\(lhs), \(rhs))"
        case .percentOfTotal(let measure): "pct_of_total(\(measure))"
        case .percentOfParent(let measure): "pct_of_parent(\(measure))"
        case .percentOfColumn(let measure): "pct_of_column(\(measure))"
        case .change(let measure, let offset): offset == 1 ? "change(\(measure))" : "change(\(measure), \(offset))"
        case .percentChange(let measure, let offset):
            offset == 1 ? "pct_change(\(measure))" : "pct_change(\(measure), \(offset))"
        }
    }

    /// The aggregated measures this one is computed from (itself when it is aggregated directly).
    var baseMeasures: [Measure] {
        switch self {
        case .ratio(let lhs, let rhs), .difference(let lhs, let rhs): lhs.baseMeasures + rhs.baseMeasures
        case .percentOfTotal(let measure), .percentOfParent(let measure), .percentOfColumn(let measure),
            .change(let measure, _), .percentChange(let measure, _):
            measure.baseMeasures
        default: [self]
        }
    }

    /// Whether the measure is computed from other measures after aggregation.
    var isDerived: Bool { baseMeasures != [self] }

    /// The column the measure reads, if any.
    public var column: String? {
        switch self {
        case .count: nil
        case .sum(let column), .min(let column), .max(let column), .avg(let column), .countDistinct(let column),
            .approxCountDistinct(let column), .percentile(let column, _):
            column
        case .ratio, .difference, .percentOfTotal, .percentOfParent, .percentOfColumn, .change, .percentChange: nil
        }
    }

    /// Whether the result is an amount in the billing currency (so currencies must not be mixed).
    var isMoney: Bool {
        switch self {
        case .sum(let column), .min(let column), .max(let column), .avg(let column), .percentile(let column, _):
            Measure.moneyColumns.contains(column)
        case .difference(let lhs, let rhs): lhs.isMoney || rhs.isMoney
        case .change(let measure, _): measure.isMoney
        case .count, .countDistinct, .approxCountDistinct, .ratio, .percentOfTotal, .percentOfParent, .percentOfColumn,
            .percentChange:
            false
        }
    }

    static let moneyColumns: Set<String> = [
        "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice",
    ]
}

/// Which totals a pivot adds to its cells.
public enum PivotTotals: String, Sendable, Hashable, Codable, CaseIterable {
    /// Only the cells.
    case none
    /// The grand total, plus each row's total across columns and each column's total across rows.
    case grand
    /// Subtotals at every level of the row and column dimensions (ROLLUP semantics), and the grand total.
    case all
}
