import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.TagCoverage`: how much cost and how many resources carry each tag key, per month and account,
/// and the largest untagged members.
///
/// ```yaml
/// - id: coverage
///   type: io.finops.cost.TagCoverage
///   tags: [team, env]
/// ```
/// Properties: `tags`, `where`, `top` (untagged members listed per dimension, default 5). Outputs: `lines` (per key,
/// currency, month and account, and each month's total), `untagged` and `spendCoverage` (per key, the percentage of
/// the latest month's cost that carries it, all accounts, by currency).
struct CoverageTask: TaskType {
    static let typeNames = ["io.finops.cost.TagCoverage"]
    let tags: TaskSetting<[String]>
    let filter: TaskSetting<FilterExpression>?
    let top: TaskSetting<Int>?

    init(properties: TaskProperties) throws {
        let tags = properties.setting("tags", required: true) { text in
            let keys = text.split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
            guard !keys.isEmpty else { throw SettingError("names at least one tag key") }
            return keys
        }
        filter = properties.filterSetting()
        top = properties.integerSetting("top", in: 0...1_000)
        guard let tags else { throw properties.invalid }
        self.tags = tags
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let coverage = try await TagCoverage.measure(
            keys: try tags.value(in: context),
            filter: try filter?.value(in: context),
            top: try top?.value(in: context) ?? 5
        ) { query in try await environment.pivot(query, context: context) }
        var latest = OrderedDictionary<String, OrderedDictionary<String, FlowValue>>()
        let month = coverage.lines.map(\.month).max()
        for line in coverage.lines where line.account == nil && line.month == month {
            latest[line.key, default: [:]][line.currency] =
                line.taggedCost.percent(of: line.cost).flatMap(ExactDecimal.init).map(FlowValue.init(exactly:)) ?? .null
        }
        return [
            "lines": FlowValue(rowsOf: coverage.table),
            "untagged": FlowValue(rowsOf: coverage.untaggedTable),
            "spendCoverage": .map(latest.mapValues(FlowValue.map)),
        ]
    }
}
