import Foundation
import OrderedCollections

/// The operators' meaning on values: exact arithmetic, widening comparisons and membership.
enum ValueOperations {
    /// The largest list `..` or `range()` builds, so a typo cannot exhaust memory.
    static let maximumRangeCount = 1_000_000

    static func apply(
        _ op: BinaryOperator,
        _ left: FlowValue,
        _ right: FlowValue
    ) throws(EvaluationFailure) -> FlowValue {
        switch op {
        case .add: return try add(left, right)
        case .subtract, .multiply, .divide, .remainder: return try arithmetic(op, left, right)
        case .concatenate: return .string(left.rendered + right.rendered)
        case .equal: return .bool(equal(left, right))
        case .notEqual: return .bool(!equal(left, right))
        case .less: return .bool(try compare(left, right) == .orderedAscending)
        case .lessOrEqual: return .bool(try compare(left, right) != .orderedDescending)
        case .greater: return .bool(try compare(left, right) == .orderedDescending)
        case .greaterOrEqual: return .bool(try compare(left, right) != .orderedAscending)
        case .contains: return .bool(contains(left, right))
        case .isIn: return .bool(contains(right, left))
        case .range: return try range(from: left, to: right, step: .int(1))
        }
    }

    /// Equality with numeric widening (`1 == 1.0`); a number never equals a string.
    static func equal(_ left: FlowValue, _ right: FlowValue) -> Bool {
        switch (left, right) {
        case (.int(let a), .int(let b)): return a == b
        case (.int, .decimal), (.decimal, .int), (.decimal, .decimal):
            return left.decimalValue == right.decimalValue
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.map(let a), .map(let b)):
            return a.count == b.count
                && a.allSatisfy { key, value in b[key].map { equal(value, $0) } ?? false }
        default: return left == right
        }
    }

    /// The order of two numbers or two strings.
    static func compare(_ left: FlowValue, _ right: FlowValue) throws(EvaluationFailure) -> ComparisonResult {
        switch (left, right) {
        case (.int(let a), .int(let b)): return a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
        case (.string(let a), .string(let b)):
            return a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
        default:
            guard let a = left.decimalValue, let b = right.decimalValue else {
                throw EvaluationFailure("cannot compare \(left.kindName) with \(right.kindName)")
            }
            return a < b ? .orderedAscending : a == b ? .orderedSame : .orderedDescending
        }
    }

    /// Whether a list holds an item (or every item of a list), a map has a key, or a string has a substring.
    static func contains(_ container: FlowValue, _ item: FlowValue) -> Bool {
        switch container {
        case .list(let items):
            if case .list(let needles) = item {
                return needles.allSatisfy { needle in items.contains { equal($0, needle) } }
            }
            return items.contains { equal($0, item) }
        case .map(let map):
            if case .list(let keys) = item { return keys.allSatisfy { map[$0.rendered] != nil } }
            return map[item.rendered] != nil
        case .string(let text):
            return text.contains(item.rendered)
        default:
            return false
        }
    }

    /// `+`: numbers add exactly, a string on either side concatenates, lists append.
    private static func add(_ left: FlowValue, _ right: FlowValue) throws(EvaluationFailure) -> FlowValue {
        switch (left, right) {
        case (.string, _), (_, .string): return .string(left.rendered + right.rendered)
        case (.list(let items), .list(let more)): return .list(items + more)
        case (.list(let items), _): return .list(items + [right])
        default: return try arithmetic(.add, left, right)
        }
    }

    private static func arithmetic(
        _ op: BinaryOperator,
        _ left: FlowValue,
        _ right: FlowValue
    ) throws(EvaluationFailure) -> FlowValue {
        if case .int(let a) = left, case .int(let b) = right { return try integerArithmetic(op, a, b) }
        guard let a = left.decimalValue, let b = right.decimalValue else {
            throw EvaluationFailure("cannot apply `\(op.rawValue)` to \(left.kindName) and \(right.kindName)")
        }
        switch op {
        case .add: return .decimal(a + b)
        case .subtract: return .decimal(a - b)
        case .multiply: return .decimal(a * b)
        case .divide:
            guard !b.isZero else { throw EvaluationFailure("division by zero") }
            return .decimal(a / b)
        default:
            guard !b.isZero else { throw EvaluationFailure("division by zero") }
            return .decimal(a - b * DecimalRounding.round(a / b, scale: 0, mode: .down))
        }
    }

    /// Integer arithmetic that reports overflow; `/` stays an integer only when the division is exact.
    private static func integerArithmetic(
        _ op: BinaryOperator,
        _ a: Int,
        _ b: Int
    ) throws(EvaluationFailure) -> FlowValue {
        let result: (partialValue: Int, overflow: Bool)
        switch op {
        case .add: result = a.addingReportingOverflow(b)
        case .subtract: result = a.subtractingReportingOverflow(b)
        case .multiply: result = a.multipliedReportingOverflow(by: b)
        case .divide:
            guard b != 0 else { throw EvaluationFailure("division by zero") }
            let quotient = a.dividedReportingOverflow(by: b)
            guard !quotient.overflow, a % b == 0 else { return .decimal(Decimal(a) / Decimal(b)) }
            return .int(quotient.partialValue)
        default:
            guard b != 0 else { throw EvaluationFailure("division by zero") }
            result = a.remainderReportingOverflow(dividingBy: b)
        }
        guard !result.overflow else { throw EvaluationFailure("integer overflow in `\(a) \(op.rawValue) \(b)`") }
        return .int(result.partialValue)
    }

    /// The integers from `start` to `end` inclusive by `step`; empty when the step leads away from the end.
    static func range(from start: FlowValue, to end: FlowValue, step: FlowValue) throws(EvaluationFailure) -> FlowValue
    {
        guard case .int(let low) = start, case .int(let high) = end, case .int(let by) = step else {
            throw EvaluationFailure("a range needs integers, not \(start.kindName) and \(end.kindName)")
        }
        guard by != 0 else { throw EvaluationFailure("a range step cannot be zero") }
        // Counted in decimals so that extreme bounds cannot overflow.
        let span = (Decimal(high) - Decimal(low)) / Decimal(by)
        let steps = DecimalRounding.round(span, scale: 0, mode: .down)
        guard steps < Decimal(maximumRangeCount) else {
            throw EvaluationFailure("a range longer than \(maximumRangeCount) numbers is not allowed")
        }
        let count = span < 0 ? 0 : (FlowValue.decimal(steps).integerValue ?? 0) + 1
        return .list((0..<count).map { .int(low + $0 * by) })
    }

    static func negate(_ value: FlowValue) throws(EvaluationFailure) -> FlowValue {
        switch value {
        case .int(let number):
            guard number != .min else { throw EvaluationFailure("integer overflow in `-\(number)`") }
            return .int(-number)
        case .decimal(let number): return .decimal(-number)
        default: throw EvaluationFailure("cannot negate \(value.kindName)")
        }
    }
}

extension FlowValue {
    /// The value as an exact decimal when it is a number.
    public var decimalValue: Decimal? {
        switch self {
        case .int(let value): Decimal(value)
        case .decimal(let value): value
        default: nil
        }
    }

    /// The value as an integer when it is an integer or a decimal without fraction.
    var integerValue: Int? {
        switch self {
        case .int(let value): return value
        case .decimal(let value):
            guard value == DecimalRounding.round(value, scale: 0, mode: .down), value <= Decimal(Int.max),
                value >= Decimal(Int.min)
            else { return nil }
            return Int(exactly: NSDecimalNumber(decimal: value).int64Value)
        default: return nil
        }
    }
}

/// Java's `RoundingMode`s on exact decimals.
enum DecimalRounding: String, Sendable {
    case up = "UP"
    case down = "DOWN"
    case ceiling = "CEILING"
    case floor = "FLOOR"
    case halfUp = "HALF_UP"
    case halfDown = "HALF_DOWN"
    case halfEven = "HALF_EVEN"

    /// `value` rounded to `scale` digits after the point.
    static func round(_ value: Decimal, scale: Int, mode: DecimalRounding) -> Decimal {
        let negative = value < 0
        var magnitude = negative ? -value : value
        // Work on the magnitude, so "toward zero" and "away from zero" are plain down and up.
        let magnitudeMode: NSDecimalNumber.RoundingMode
        switch mode {
        case .up: magnitudeMode = .up
        case .down: magnitudeMode = .down
        case .ceiling: magnitudeMode = negative ? .down : .up
        case .floor: magnitudeMode = negative ? .up : .down
        case .halfUp: magnitudeMode = .plain
        case .halfEven: magnitudeMode = .bankers
        case .halfDown:
            var truncated = Decimal()
            NSDecimalRound(&truncated, &magnitude, scale, .down)
            let unit = Decimal(sign: .plus, exponent: -scale, significand: 1)
            let rounded = (magnitude - truncated) * 2 > unit ? truncated + unit : truncated
            return negative ? -rounded : rounded
        }
        var result = Decimal()
        NSDecimalRound(&result, &magnitude, scale, magnitudeMode)
        return negative ? -result : result
    }
}
