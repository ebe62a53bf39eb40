import FinOpsCore
import FlowEngine
import Foundation

/// A program's own task beside the FinOps ones: turns the showback lines of `io.finops.cost.Allocate` into one
/// message per team, the way a chat bot would post them.
///
/// ```yaml
/// - id: digest
///   type: com.example.finops.TeamDigest
///   lines: "{{ outputs.showback.lines }}"
///   month: "2024-04"
/// ```
/// Outputs `messages` (team → text) and `teams`. Amounts stay exact: they arrive as flow numbers or text and are
/// read as `ExactDecimal`, never as floating point.
public struct TeamDigestTask: TaskType {
    public static let typeNames = ["com.example.finops.TeamDigest"]
    let lines: Template
    let month: Template

    public init(properties: TaskProperties) throws {
        guard let lines = properties.template("lines", required: true),
            let month = properties.template("month", required: true)
        else { throw properties.invalid }
        self.lines = lines
        self.month = month
    }

    public func run(_ context: TaskContext) async throws -> TaskOutputs {
        let month = try context.render(self.month)
        guard case .list(let lines) = try context.renderTyped(self.lines) else {
            throw TaskFailure("lines must be the showback's lines (a list)")
        }
        var messages = OrderedDictionary<String, FlowValue>()
        for line in lines where line["period"]?.rendered == month {
            guard let team = line["team"]?.rendered, let currency = line["currency"]?.rendered,
                let amount = ExactDecimal(line["amount"]?.rendered ?? ""),
                let allocated = ExactDecimal(line["allocated"]?.rendered ?? "")
            else { throw TaskFailure("a showback line without team, currency, amount or allocated: \(line.json)") }
            let shared = allocated.isZero ? "" : " (\(allocated.formatted(places: 2)) of it shared cost)"
            let part = "\(currency) \(amount.formatted(places: 2))\(shared)"
            // A team billed in several currencies gets one message naming each amount (they are never added).
            let earlier = messages[team].map { String($0.rendered.dropLast(" in \(month).".count)) + " and " }
            messages[team] = .string((earlier ?? "\(team): ") + part + " in \(month).")
        }
        context.log(.info, "\(messages.count) team messages for \(month)")
        return ["messages": .map(messages), "teams": .list(messages.keys.map(FlowValue.string))]
    }
}
