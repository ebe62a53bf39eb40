import FinOpsCore
import Foundation

/// A value bound to a placeholder (`$1`, `$2`, …) of a compiled statement; never spliced into the SQL text.
public enum SQLParameter: Sendable, Hashable, CustomStringConvertible {
    case text(String)
    case decimal(ExactDecimal)
    case timestamp(Timestamp)
    case integer(Int)

    public var description: String {
        switch self {
        case .text(let value): "'\(value)'"
        case .decimal(let value): value.description
        case .timestamp(let value): value.description
        case .integer(let value): String(value)
        }
    }
}

/// One SQL statement answering a ``PivotQuery``, with its parameters and how to read its result columns.
public struct CompiledPivot: Sendable, Hashable {
    /// How the result columns map back to the query.
    public enum OutputColumn: Sendable, Hashable {
        /// The member of a dimension (null may be a null member or, see ``grouping``, a total).
        case dimension(Int)
        /// The value of one of ``CompiledPivot/measures``.
        case measure(Int)
        /// The exact sum and the non-null count of an average's column, to be divided half to even at 18 digits
        /// by the reader, as the in-memory executor does (PostgreSQL's `avg` and `round` round differently).
        case averageParts(Int)
        /// The ordered non-null values of a percentile's column (an array), interpolated exactly by the reader:
        /// PostgreSQL's `percentile_cont` works in double precision.
        case percentileValues(Int)
        /// Whether the row's member of the folded row dimension is the Others of a top-N (its value is then null).
        case others(Int)
        /// The `GROUPING(...)` bitmask: bit `n - 1 - i` set when dimension `i` is rolled up in a total row.
        case grouping
    }

    /// The statement, with `$n` placeholders.
    public var sql: String
    /// The values of the placeholders, in order.
    public var parameters: [SQLParameter]
    /// What each result column holds, in order (an average takes two columns).
    public var columns: [OutputColumn]
    /// The query the statement answers.
    public var query: PivotQuery
    /// The aggregated measures the statement returns: the query's own and those its derived measures (ratios,
    /// percentages, period changes) are computed from by ``result(rows:)``.
    public var measures: [Measure]
}

/// Compiles pivots to PostgreSQL over a cost table laid out as ``SQLCostTable`` describes: a column per FOCUS column,
/// exact `numeric` costs, `timestamptz` times, Tags and other extra columns in `jsonb` objects.
///
/// The statement groups with `GROUPING SETS` (one per total the query asks for, and one per total a derived measure
/// refers to) and marks totals with `GROUPING()`; time buckets use `date_trunc` in the query's time zone. A top-N
/// ranks members with a window function and folds the rest into one Others group. ``CompiledPivot/result(rows:)``
/// reads the rows back and finishes the pivot exactly as the in-memory executor does: derived measures, HAVING,
/// sort and limit (HAVING is also compiled into the statement when PostgreSQL evaluates it exactly).
public struct PostgresPivotCompiler: Sendable {
    /// The cost table's layout.
    public var table: SQLCostTable

    /// Creates a compiler for a cost table.
    public init(table: SQLCostTable) {
        self.table = table
    }

    /// The statement for a query over the stored periods `scope` selects (its columns are ignored: a statement
    /// reads what it names).
    ///
    /// - Throws: ``PivotError`` for what PostgreSQL cannot be asked safely, such as a timestamp literal that does
    ///   not parse.
    public func compile(_ query: PivotQuery, over scope: CostFilter = .all) throws(PivotError) -> CompiledPivot {
        let assembly = try PivotAssembly(query: query)
        let base = assembly.baseMeasures
        if let approximate = base.first(where: { if case .approxCountDistinct = $0 { true } else { false } }) {
            throw PivotError(
                "\(approximate) has no exact PostgreSQL equivalent: use count_distinct, or run it in memory"
            )
        }
        var builder = Builder(table: table)
        let dimensions = query.rows + query.columns
        let names = (0..<dimensions.count).map { "d\($0)" }
        // The inner query names each dimension and each measure's input, so grouping and GROUPING() refer to plain
        // columns rather than repeated expressions with parameters.
        var inner = dimensions.enumerated().map { index, dimension in
            "\(builder.expression(for: dimension, timeZone: query.timeZone)) AS d\(index)"
        }
        for (index, measure) in base.enumerated() {
            if let column = measure.column { inner.append("\(builder.column(column)) AS v\(index)") }
        }
        if inner.isEmpty { inner.append("1 AS one") }
        var source = "SELECT \(inner.joined(separator: ", ")) FROM \(table.name)"
        var conditions = builder.scope(scope)
        if let filter = query.filter { conditions.append(try builder.condition(filter)) }
        if !conditions.isEmpty { source += " WHERE \(conditions.joined(separator: " AND "))" }
        var prefix = ""
        var foldedDimension: Int?
        // With a top-N of measures that combine from partial aggregates, the source holds one row per group.
        var partials = false
        if let top = query.top {
            (prefix, source, partials) = try topN(top, query: query, base: base, filtered: source, builder: &builder)
            foldedDimension = query.rows.count - 1
        }

        var select = names
        var columns: [CompiledPivot.OutputColumn] = dimensions.indices.map { .dimension($0) }
        if let foldedDimension {
            select.append("others")
            columns.append(.others(foldedDimension))
        }
        for (index, measure) in base.enumerated() {
            if case .percentile = measure {
                select.append(
                    "array_agg(v\(index) ORDER BY v\(index)) FILTER (WHERE v\(index) IS NOT NULL) AS m\(index)_values"
                )
                columns.append(.percentileValues(index))
            } else if case .avg = measure {
                select.append("coalesce(sum(v\(index)), 0) AS m\(index)_sum")
                select.append((partials ? "coalesce(sum(n\(index)), 0)" : "count(v\(index))") + " AS m\(index)_count")
                columns.append(.averageParts(index))
            } else {
                let expression =
                    partials ? combine(measure, input: "v\(index)") : aggregate(measure, input: "v\(index)")
                select.append("\(expression) AS m\(index)")
                columns.append(.measure(index))
            }
        }
        let grouping = "GROUPING(\(names.joined(separator: ", ")))"
        if !dimensions.isEmpty {
            select.append("\(grouping) AS g")
            columns.append(.grouping)
        }
        var sql = prefix + "SELECT \(select.joined(separator: ", "))\nFROM (\(source)) AS cost_rows"
        if !dimensions.isEmpty {
            let sets = assembly.groupingSetsToAggregate.map { set in
                // The Others flag is grouped with the dimension it folds, wherever that dimension is.
                let folded = foldedDimension.map { set[$0] } ?? false
                return "(" + (zip(names, set).filter(\.1).map(\.0) + (folded ? ["others"] : [])).joined(separator: ", ")
                    + ")"
            }
            sql += "\nGROUP BY GROUPING SETS (\(sets.joined(separator: ", ")))"
        }
        if let having = query.having, !partials,
            let condition = try havingCondition(having, query: query, base: base, builder: &builder)
        {
            sql += dimensions.isEmpty ? "\nHAVING \(condition)" : "\nHAVING \(grouping) <> 0 OR \(condition)"
        }
        if !dimensions.isEmpty { sql += "\nORDER BY \(names.joined(separator: ", "))" }
        return CompiledPivot(sql: sql, parameters: builder.parameters, columns: columns, query: query, measures: base)
    }

    /// HAVING as SQL when PostgreSQL computes every measure it refers to exactly as the in-memory executor does;
    /// otherwise `nil`, and the reader, which applies HAVING in any case, is the only filter.
    private func havingCondition(
        _ having: FilterExpression,
        query: PivotQuery,
        base: [Measure],
        builder: inout Builder
    ) throws(PivotError) -> String? {
        var exact = true
        var scratch = builder
        let condition = try scratch.having(having) { (measure) throws(PivotError) in
            guard query.measures.contains(measure) else {
                throw PivotError("HAVING refers to \(measure), which must also be one of the measures")
            }
            switch measure {
            case .count, .sum, .min, .max, .countDistinct:
                return aggregate(measure, input: "v\(base.firstIndex(of: measure)!)")
            default:
                exact = false
                return "NULL"
            }
        }
        guard exact else { return nil }
        builder = scratch
        return condition
    }

    /// Ranks the innermost row dimension within its parents by the top-N measure, then joins the ranks back: members
    /// past the first N lose their value and carry `others = true`, so they group into one Others.
    ///
    /// When every measure combines from partial aggregates (count, sum, min, max, avg), the ranks join one row per
    /// group of all dimensions (`partials`: the source's `v`/`n` columns are partial aggregates); otherwise, for
    /// distinct counts and percentiles, they join every row.
    private func topN(
        _ top: TopN,
        query: PivotQuery,
        base: [Measure],
        filtered: String,
        builder: inout Builder
    ) throws(PivotError) -> (prefix: String, source: String, partials: Bool) {
        guard !query.rows.isEmpty else { throw PivotError("a top-N needs at least one row dimension") }
        guard top.count > 0 else { throw PivotError("a top-N keeps at least one member") }
        guard query.measures.contains(top.measure), let rank = base.firstIndex(of: top.measure) else {
            throw PivotError("the top-N ranks by \(top.measure), which must be one of the aggregated measures")
        }
        if case .percentile = top.measure {
            throw PivotError("ranking by a percentile is not compiled to SQL (it would be inexact): run it in memory")
        }
        let partials = base.allSatisfy { measure in
            switch measure {
            case .count, .sum, .min, .max, .avg: true
            default: false
            }
        }
        let folded = query.rows.count - 1
        let ranked = (0...folded).map { "d\($0)" }
        let all = (0..<(query.rows.count + query.columns.count)).map { "d\($0)" }
        let parents = ranked.dropLast()
        var prefix = "WITH filtered AS (\(filtered)),\n"
        var rows = "filtered"
        var rankBy = aggregate(top.measure, input: "v\(rank)")
        var carried: [String] = base.indices.filter { base[$0].column != nil }.map { "v\($0)" }
        if partials {
            var partial: [String] = []
            carried = []
            for (index, measure) in base.enumerated() {
                switch measure {
                case .count: partial.append("count(*) AS v\(index)")
                case .avg:
                    partial.append("sum(v\(index)) AS v\(index)")
                    partial.append("count(v\(index)) AS n\(index)")
                    carried.append("n\(index)")
                default: partial.append("\(aggregate(measure, input: "v\(index)")) AS v\(index)")
                }
                carried.append("v\(index)")
            }
            prefix +=
                "groups AS (SELECT \((all + partial).joined(separator: ", ")) FROM filtered GROUP BY "
                + "\(all.joined(separator: ", "))),\n"
            rows = "groups"
            rankBy =
                if case .avg = top.measure {
                    "sum(v\(rank)) / nullif(sum(n\(rank)), 0)"
                } else {
                    combine(top.measure, input: "v\(rank)")
                }
        }
        let window =
            (parents.isEmpty ? "" : "PARTITION BY \(parents.joined(separator: ", ")) ")
            + "ORDER BY \(rankBy) DESC, d\(folded) COLLATE \"C\""
        prefix +=
            "ranking AS (SELECT \(ranked.joined(separator: ", ")), row_number() OVER (\(window)) AS rank "
            + "FROM \(rows) GROUP BY \(ranked.joined(separator: ", ")))\n"
        let limit = builder.bind(.integer(top.count))
        var fields: [String] = []
        for (index, name) in all.enumerated() {
            fields.append(
                index == folded
                    ? "CASE WHEN ranking.rank <= \(limit) THEN \(rows).\(name) END AS \(name)" : "\(rows).\(name)"
            )
        }
        fields.append("(ranking.rank > \(limit)) AS others")
        fields += carried.map { "\(rows).\($0)" }
        // Equalities PostgreSQL can hash on (IS NOT DISTINCT FROM would force a nested loop): the member as text, and
        // whether it is null, so a null member still meets its own rank.
        let join = ranked.map { name in
            "(\(rows).\(name) IS NULL) = (ranking.\(name) IS NULL) "
                + "AND coalesce(\(rows).\(name)::text, '') = coalesce(ranking.\(name)::text, '')"
        }.joined(separator: " AND ")
        return (prefix, "SELECT \(fields.joined(separator: ", ")) FROM \(rows) JOIN ranking ON \(join)", partials)
    }

    /// The aggregate of partial aggregates (one per group) that gives the measure over the groups combined.
    private func combine(_ measure: Measure, input: String) -> String {
        switch measure {
        case .count, .sum: "coalesce(sum(\(input)), 0)"
        case .min: "min(\(input))"
        case .max: "max(\(input))"
        default: aggregate(measure, input: input)
        }
    }

    private func aggregate(_ measure: Measure, input: String) -> String {
        switch measure {
        case .count: "count(*)"
        case .sum: "coalesce(sum(\(input)), 0)"
        case .min: "min(\(input))"
        case .max: "max(\(input))"
        case .avg: "avg(\(input))"
        case .countDistinct, .approxCountDistinct: "count(DISTINCT \(input))"
        case .percentile(_, let percent): "percentile_cont(\(Double(percent) / 100)) WITHIN GROUP (ORDER BY \(input))"
        case .ratio, .difference, .percentOfTotal, .percentOfParent, .percentOfColumn, .change, .percentChange: "NULL"
        }
    }

    /// Builds SQL fragments and collects their parameters.
    private struct Builder {
        let table: SQLCostTable
        var parameters: [SQLParameter] = []

        init(table: SQLCostTable) {
            self.table = table
        }

        /// The conditions selecting the stored periods of a filter.
        mutating func scope(_ filter: CostFilter) -> [String] {
            var conditions: [String] = []
            let start = quoted(table.billingPeriodStartColumn)
            if let from = filter.from { conditions.append("(\(start) >= \(bind(.timestamp(from)))::timestamptz)") }
            if let until = filter.until { conditions.append("(\(start) < \(bind(.timestamp(until)))::timestamptz)") }
            if let sources = filter.sources {
                let values = sources.sorted().map { bind(.text($0)) }
                conditions.append(
                    values.isEmpty ? "FALSE" : "(\(quoted(table.sourceColumn)) IN (\(values.joined(separator: ", "))))"
                )
            }
            return conditions
        }

        mutating func bind(_ value: SQLParameter) -> String {
            parameters.append(value)
            return "$\(parameters.count)"
        }

        /// A column of the cost table: FOCUS columns by their snake_case name, anything else from `extra`.
        mutating func column(_ name: String) -> String {
            if let column = table.columns[name] { return quoted(column) }
            return "(\(quoted(table.extraColumn)) ->> \(bind(.text(name))))"
        }

        mutating func expression(for dimension: PivotDimension, timeZone: String) -> String {
            switch dimension {
            case .column(let name):
                return column(name)
            case .time(let name, let bucket):
                // The bucket's first instant as Unix seconds: wall time truncated in the zone, then back to an instant.
                let zone = bind(.text(timeZone))
                return "extract(epoch FROM date_trunc('\(bucket.rawValue)', \(column(name)) AT TIME ZONE \(zone)) "
                    + "AT TIME ZONE \(zone))::bigint"
            case .tag(let key):
                return "(\(quoted(table.tagsColumn)) ->> \(bind(.text(key))))"
            }
        }

        mutating func condition(_ expression: FilterExpression) throws(PivotError) -> String {
            switch expression {
            case .and(let lhs, let rhs): return "(\(try condition(lhs)) AND \(try condition(rhs)))"
            case .or(let lhs, let rhs): return "(\(try condition(lhs)) OR \(try condition(rhs)))"
            case .not(let inner): return "(NOT \(try condition(inner)))"
            case .isNull(let field): return "(\(try operand(field)) IS NULL)"
            case .compare(let field, let comparison, let literal):
                let sqlOperator = comparison == .notEqual ? "<>" : comparison.rawValue
                return "(\(try operand(field)) \(sqlOperator) \(try value(literal, for: field)))"
            case .isIn(let field, let literals):
                let target = try operand(field)
                var values: [String] = []
                for literal in literals { values.append(try value(literal, for: field)) }
                return "(\(target) IN (\(values.joined(separator: ", "))))"
            case .between(let field, let lower, let upper):
                let target = try operand(field)
                return "(\(target) BETWEEN \(try value(lower, for: field)) AND \(try value(upper, for: field)))"
            case .like(let field, let pattern):
                let target = try operand(field)
                return "(\(target) LIKE \(bind(.text(pattern))))"
            case .matches(let field, let pattern):
                let target = try operand(field)
                return "(\(target) ~ \(bind(.text(pattern))))"
            }
        }

        private mutating func operand(_ field: FilterExpression.Field) throws(PivotError) -> String {
            switch field {
            case .column(let name): return column(name)
            case .tag(let key): return "(\(quoted(table.tagsColumn)) ->> \(bind(.text(key))))"
            case .measure(let measure):
                throw PivotError("\(measure) is a measure: filter groups by it with HAVING, not WHERE")
            }
        }

        /// A literal, bound with the type of the column it is compared with.
        private mutating func value(
            _ literal: FilterExpression.Literal,
            for field: FilterExpression.Field
        ) throws(PivotError) -> String {
            var type: FocusDataType = .string
            if case .column(let name) = field, let column = FocusSchema.column(named: name) { type = column.dataType }
            switch (type, literal) {
            case (.decimal, .number(let number)):
                return bind(.decimal(number)) + "::numeric"
            case (.decimal, .text(let text)):
                guard let number = ExactDecimal(text) else {
                    throw PivotError("\(field) is a decimal column; '\(text)' is not a number")
                }
                return bind(.decimal(number)) + "::numeric"
            case (.dateTime, .text(let text)):
                guard let time = Timestamp(text) else {
                    throw PivotError("\(field) is a timestamp column; '\(text)' is not an ISO 8601 date")
                }
                return bind(.timestamp(time)) + "::timestamptz"
            case (.dateTime, .number):
                throw PivotError("\(field) is a timestamp column: compare it with a 'YYYY-MM-DD' date")
            case (_, .text(let text)):
                return bind(.text(text))
            case (_, .number(let number)):
                return bind(.text(number.description))
            }
        }

        mutating func having(
            _ expression: FilterExpression,
            aggregate: (Measure) throws(PivotError) -> String
        ) throws(PivotError) -> String {
            func measure(_ field: FilterExpression.Field) throws(PivotError) -> String {
                guard case .measure(let measure) = field else {
                    throw PivotError("HAVING refers to measures such as sum(EffectiveCost); \(field) belongs in WHERE")
                }
                return try aggregate(measure)
            }
            switch expression {
            case .and(let lhs, let rhs):
                return "(\(try having(lhs, aggregate: aggregate)) AND \(try having(rhs, aggregate: aggregate)))"
            case .or(let lhs, let rhs):
                return "(\(try having(lhs, aggregate: aggregate)) OR \(try having(rhs, aggregate: aggregate)))"
            case .not(let inner):
                return "(NOT \(try having(inner, aggregate: aggregate)))"
            case .isNull(let field):
                return "(\(try measure(field)) IS NULL)"
            case .compare(let field, let comparison, let literal):
                let sqlOperator = comparison == .notEqual ? "<>" : comparison.rawValue
                return "(\(try measure(field)) \(sqlOperator) \(try number(literal)))"
            case .isIn(let field, let literals):
                let target = try measure(field)
                var values: [String] = []
                for literal in literals { values.append(try number(literal)) }
                return "(\(target) IN (\(values.joined(separator: ", "))))"
            case .between(let field, let lower, let upper):
                let target = try measure(field)
                return "(\(target) BETWEEN \(try number(lower)) AND \(try number(upper)))"
            case .like, .matches:
                throw PivotError("HAVING compares measures with numbers; LIKE and ~ apply to text in WHERE")
            }
        }

        private mutating func number(_ literal: FilterExpression.Literal) throws(PivotError) -> String {
            switch literal {
            case .number(let value): return bind(.decimal(value)) + "::numeric"
            case .text(let text):
                guard let value = ExactDecimal(text) else {
                    throw PivotError("HAVING compares with numbers, not '\(text)'")
                }
                return bind(.decimal(value)) + "::numeric"
            }
        }
    }
}

/// A double-quoted SQL identifier.
private func quoted(_ identifier: String) -> String {
    SQLCostTable.quoted(identifier)
}
