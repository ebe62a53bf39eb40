import FinOpsCore

/// Evaluates a HAVING condition on a group's measures, with SQL's three-valued logic (`nil` is unknown).
struct HavingEvaluator {
    let measures: [Measure]

    func holds(_ expression: FilterExpression, for cell: PivotResult.Cell) throws(PivotError) -> Bool? {
        switch expression {
        case .and(let lhs, let rhs):
            let (a, b) = (try holds(lhs, for: cell), try holds(rhs, for: cell))
            if a == false || b == false { return false }
            return a == nil || b == nil ? nil : true
        case .or(let lhs, let rhs):
            let (a, b) = (try holds(lhs, for: cell), try holds(rhs, for: cell))
            if a == true || b == true { return true }
            return a == nil || b == nil ? nil : false
        case .not(let inner):
            return try holds(inner, for: cell).map { !$0 }
        case .isNull(let field):
            return try value(field, cell) == nil
        case .compare(let field, let comparison, let literal):
            guard let value = try value(field, cell) else { return nil }
            let operand = try number(literal)
            switch comparison {
            case .equal: return value == operand
            case .notEqual: return value != operand
            case .less: return value < operand
            case .lessOrEqual: return value <= operand
            case .greater: return value > operand
            case .greaterOrEqual: return value >= operand
            }
        case .isIn(let field, let literals):
            guard let value = try value(field, cell) else { return nil }
            for literal in literals {
                if try number(literal) == value { return true }
            }
            return false
        case .between(let field, let lower, let upper):
            guard let value = try value(field, cell) else { return nil }
            let (low, high) = (try number(lower), try number(upper))
            return value >= low && value <= high
        case .like, .matches:
            throw PivotError(
                .rowTestInHaving,
                "HAVING compares measures with numbers; LIKE and ~ apply to text in the row filter",
                subjects: ["\(expression)"]
            )
        }
    }

    private func value(_ field: FilterExpression.Field, _ cell: PivotResult.Cell) throws(PivotError) -> ExactDecimal? {
        guard case .measure(let measure) = field else {
            throw PivotError(
                .rowTestInHaving,
                "HAVING refers to measures such as sum(EffectiveCost); \(field) belongs in the row filter",
                subjects: ["\(field)"]
            )
        }
        guard let index = measures.firstIndex(of: measure) else {
            throw PivotError("HAVING refers to \(measure), which must also be one of the measures")
        }
        switch cell.measures[index] {
        case .decimal(let value): return value
        case .integer(let value): return ExactDecimal(value)
        case .null: return nil
        }
    }

    private func number(_ literal: FilterExpression.Literal) throws(PivotError) -> ExactDecimal {
        switch literal {
        case .number(let value): return value
        case .text(let text):
            guard let value = ExactDecimal(text) else {
                throw PivotError("HAVING compares with numbers, not '\(text)'")
            }
            return value
        }
    }
}
