import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.Allocate`: shared cost allocated to teams (or any target) by a rules file, exactly: each period
/// and currency adds up to the bill.
///
/// ```yaml
/// - id: showback
///   type: io.finops.cost.Allocate
///   rules: allocation/rules.yml
/// ```
/// Properties: `rules` (the rules file), `where`, and `currency` with `rates` (a rates CSV) and `places` (default 2)
/// to convert the showback. Outputs: `lines` (per target, period and currency: amount, direct, allocated; or the
/// converted lines), `balanced` (whether every period and currency adds up to the source total), `targets` and
/// `uri` (the lines as CSV).
struct AllocateTask: TaskType {
    static let typeNames = ["io.finops.cost.Allocate"]
    let rules: Template
    let filter: TaskSetting<FilterExpression>?
    let currency: Template?
    let rates: Template?
    let places: TaskSetting<Int>?
    let output: Template?

    init(properties: TaskProperties) throws {
        let rules = properties.template("rules", required: true)
        filter = properties.filterSetting()
        currency = properties.template("currency")
        rates = properties.template("rates")
        places = properties.integerSetting("places", in: 0...18)
        output = properties.template("to")
        if properties.contains("currency") != properties.contains("rates") {
            properties.report("'currency' and 'rates' go together: a showback is converted at the rates given")
        }
        guard let rules else { throw properties.invalid }
        self.rules = rules
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let rules = try await environment.load(try context.render(self.rules)) { path in
            try AllocationRules(contentsOf: path)
        }
        let result = try rules.allocate(
            try await environment.pivot(rules.sourceQuery(filter: try filter?.value(in: context)), context: context)
        )
        for note in result.notes { context.log(.info, note) }
        let unbalanced = result.unbalanced
        for total in unbalanced { context.log(.error, "\(total.period) \(total.currency) does not add up") }
        var table = result.table
        if let currency, let rates {
            let converted = try await environment.load(try context.render(rates)) { path in
                try CurrencyRates(contentsOf: path)
            }
            table = try result.converted(
                to: try context.render(currency),
                rates: converted,
                places: try places?.value(in: context) ?? 2
            )
        }
        let file = try environment.outputFile(
            named: "\(context.taskId).csv",
            path: try output.map { try context.render($0) },
            context: context
        )
        try await environment.write(table.csv(), to: file)
        return [
            "lines": FlowValue(rowsOf: table),
            "balanced": .bool(unbalanced.isEmpty),
            "targets": .list(Set(result.lines.map(\.target)).sorted().map(FlowValue.string)),
            "uri": .string(file.path),
        ]
    }
}
