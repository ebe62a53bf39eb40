import FlowEngine
import Foundation

/// Evaluates an assertion's operators, comparing as Kestra's test runner does, with numbers normalised: `200` and
/// `"200"` are equal.
enum AssertionEvaluator {
    static func evaluate(_ assertion: TestAssertion, in context: EvaluationContext) throws -> [AssertionResult] {
        let actual = try assertion.value.renderTyped(context)
        let customMessage = try assertion.errorMessage.map { try $0.render(context) }
        var results: [AssertionResult] = []
        for (op, expectedValue) in assertion.checks {
            let expected = try expectedValue.render(context)
            let (holds, phrase) = check(op, actual: actual, expected: expected)
            let shown = actual == .null ? "null" : "'\(actual.rendered)'"
            let message =
                customMessage
                ?? "expected '\(assertion.value.source)' \(phrase) '\(expected.rendered)' but was \(shown)"
            results.append(
                AssertionResult(
                    operator: op.rawValue,
                    expected: expected,
                    actual: actual,
                    isSuccess: holds,
                    taskId: assertion.taskId,
                    description: assertion.description,
                    message: message
                )
            )
        }
        return results
    }

    private static func check(_ op: TestAssertion.Operator, actual: FlowValue, expected: FlowValue) -> (Bool, String) {
        let text = actual.rendered
        switch op {
        case .equalTo: return (same(actual, expected), "to equal")
        case .notEqualTo: return (!same(actual, expected), "to not equal")
        case .contains: return (text.contains(expected.rendered), "to contain")
        case .startsWith: return (text.hasPrefix(expected.rendered), "to start with")
        case .endsWith: return (text.hasSuffix(expected.rendered), "to end with")
        case .greaterThan: return (compare(actual, expected).map { $0 > 0 } ?? false, "to be greater than")
        case .greaterThanOrEqualTo:
            return (compare(actual, expected).map { $0 >= 0 } ?? false, "to be greater than or equal to")
        case .lessThan: return (compare(actual, expected).map { $0 < 0 } ?? false, "to be less than")
        case .lessThanOrEqualTo:
            return (compare(actual, expected).map { $0 <= 0 } ?? false, "to be less than or equal to")
        case .in: return (members(expected).contains { same(actual, $0) }, "to be in")
        case .notIn: return (!members(expected).contains { same(actual, $0) }, "to not be in")
        case .isNull:
            return ((actual == .null) == expected.isTruthy, expected.isTruthy ? "to be null" : "to not be null")
        case .isNotNull:
            return ((actual != .null) == expected.isTruthy, expected.isTruthy ? "to be not null" : "to be null")
        }
    }

    private static func members(_ value: FlowValue) -> [FlowValue] {
        if case .list(let items) = value { return items }
        if case .string(let text) = value, case .list(let items)? = try? FlowValue(parsingJSON: text) { return items }
        return [value]
    }

    private static func same(_ lhs: FlowValue, _ rhs: FlowValue) -> Bool {
        if let a = lhs.numericValue, let b = rhs.numericValue { return a == b }
        return lhs.rendered == rhs.rendered
    }

    private static func compare(_ lhs: FlowValue, _ rhs: FlowValue) -> Int? {
        guard let a = lhs.numericValue, let b = rhs.numericValue else { return nil }
        return a == b ? 0 : (a < b ? -1 : 1)
    }
}
