// A Pebble template parsed and rendered against a small context: text or an error, never a trap or a hang.
//
// The render limits are a tenth of the standard ones, as SQLite's fuzzers lower `sqlite3_limit`s: the same checks
// bound the work, but a render that reaches them ends within the campaign's one second under the sanitizer (at the
// standard limits a million bare loop iterations take about a second there).
import FlowEngine
import Foundation
import FuzzSupport

private let context = {
    var context = EvaluationContext(
        variables: [
            "inputs": [
                "day": "2024-09-30", "regions": ["eu", "us"], "count": 3, "amount": .decimal(Decimal(string: "12.5")!),
            ],
            "outputs": ["a": ["value": "x", "rows": [["n": 1], ["n": 2]]]],
            "vars": ["prefix": "cost"],
        ],
        now: Date(timeIntervalSince1970: 1_727_654_400),
        timeZone: .gmt,
        loopValues: [],
        errorLogs: []
    )
    context.renderLimits = RenderLimits(iterations: 100_000, work: 500_000)
    return context
}()

Fuzzer.run { input in
    let text = String(decoding: input, as: UTF8.self)
    do {
        let template = try Template(text)
        _ = try template.render(context)
        _ = try template.renderTyped(context)
    } catch {
        _ = "\(error)"
    }
}
