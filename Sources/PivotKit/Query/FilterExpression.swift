import FinOpsCore
import Foundation

/// A condition on rows, as in SQL's WHERE.
public indirect enum FilterExpression: Sendable, Hashable {
    /// Both hold.
    case and(FilterExpression, FilterExpression)
    /// Either holds.
    case or(FilterExpression, FilterExpression)
    /// It does not hold.
    case not(FilterExpression)
    /// A comparison of a field with a literal: `RegionId = 'us-east-1'`, `BilledCost >= 10`.
    case compare(Field, Comparison, Literal)
    /// The field equals one of the literals (`IN`).
    case isIn(Field, [Literal])
    /// The field lies between two literals, both included (`BETWEEN`).
    case between(Field, Literal, Literal)
    /// The field is null (`IS NULL`).
    case isNull(Field)
    /// A text field matches a SQL LIKE pattern (`%` any run, `_` one character).
    case like(Field, String)
    /// A text field contains a match of a regular expression, as PostgreSQL's `~` (anchor with `^` and `$`).
    ///
    /// Patterns use the syntax ICU and PostgreSQL share: classes, anchors, alternation, groups, quantifiers and a
    /// leading `(?i)` for case-insensitive matching.
    case matches(Field, String)

    /// What a condition reads: a column, or the value of a tag.
    public enum Field: Sendable, Hashable, CustomStringConvertible {
        /// A column of the table.
        case column(String)
        /// The value of a tag key.
        case tag(String)
        /// A measure of a group (in HAVING only).
        case measure(Measure)

        public var description: String {
            switch self {
            case .column(let name): name
            case .tag(let key): "tag(\(key))"
            case .measure(let measure): measure.description
            }
        }
    }

    /// A comparison operator.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
    }

    /// A constant in a condition.
    public enum Literal: Sendable, Hashable, CustomStringConvertible {
        /// Text in single quotes; compared with timestamps after parsing it as ISO 8601.
        case text(String)
        /// A number, kept exactly.
        case number(ExactDecimal)

        public var description: String {
            switch self {
            case .text(let value): "'\(value.replacingOccurrences(of: "'", with: "''"))'"
            case .number(let value): value.description
            }
        }
    }
}

extension FilterExpression {
    /// The rows of `table` for which the condition is true, in order, as a pivot's WHERE selects them: for modules
    /// that test conditions on tables of their own (allocation rules over a pivot's groups).
    ///
    /// - Throws: ``PivotError`` for an unknown column, a column of the wrong type, or a measure in the condition.
    package func selectedRows(in table: CostTable) throws(PivotError) -> [Int32] {
        try FilterEvaluator(table: table).selectedRows(self)
    }

    /// The columns and tags the condition reads, in the order they first appear.
    package var fields: [Field] {
        var fields: [Field] = []
        func visit(_ expression: FilterExpression) {
            switch expression {
            case .and(let lhs, let rhs), .or(let lhs, let rhs):
                visit(lhs)
                visit(rhs)
            case .not(let inner):
                visit(inner)
            case .compare(let field, _, _), .isIn(let field, _), .between(let field, _, _), .isNull(let field),
                .like(let field, _), .matches(let field, _):
                if !fields.contains(field) { fields.append(field) }
            }
        }
        visit(self)
        return fields
    }
}
