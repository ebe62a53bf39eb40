import FlowEngine
import Foundation
import Testing

/// Variables shaped like the engine's render context.
let sampleVariables: [String: FlowValue] = [
    "inputs": ["name": "World", "count": 3, "price": .decimal(Decimal(string: "2.50")!), "flag": true, "empty": ""],
    "outputs": [
        "t1": ["value": "one", "values": ["count": "4"]],
        "1-1_return": ["a a": ["value": "first"], "b": ["value": "second"]],
        "nested": ["list": [1, 2, 3], "none": nil],
    ],
    "flow": ["id": "hello", "namespace": "company.team"],
    "taskrun": ["value": "a a", "id": "tr1"],
    "parents": [["taskrun": ["value": "p0"]], ["taskrun": ["value": "p1"]]],
    "labels": ["system": ["correlationId": "c-1"]],
]

/// Renders a template with the sample variables (or the given ones).
func render(
    _ source: String,
    _ variables: [String: FlowValue] = sampleVariables,
    now: Date = Date(timeIntervalSince1970: 0),
    timeZone: TimeZone = .gmt,
    loopValues: [String] = []
) throws -> String {
    let context = EvaluationContext(variables: variables, now: now, timeZone: timeZone, loopValues: loopValues)
    return try Template(source).render(context)
}

/// The typed value of a single-expression template with the sample variables.
func value(_ source: String, _ variables: [String: FlowValue] = sampleVariables) throws -> FlowValue {
    try Template(source).renderTyped(EvaluationContext(variables: variables))
}

/// The error a template raises, parsing or rendering.
func renderError(_ source: String, _ variables: [String: FlowValue] = sampleVariables) -> ExpressionError? {
    do {
        _ = try render(source, variables)
        return nil
    } catch let error as ExpressionError {
        return error
    } catch {
        return nil
    }
}
