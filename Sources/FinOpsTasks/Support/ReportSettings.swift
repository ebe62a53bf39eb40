import FinOpsAnalytics
import FlowEngine
import Foundation
import PivotKit

/// The properties that choose what a cost review covers, shared by the report and metrics tasks: `month`,
/// `currency`, `where`, `budgets`, `rules` and `tags`.
struct ReportSettings: Sendable {
    let month: Template?
    let currency: Template?
    let filter: TaskSetting<FilterExpression>?
    let budgets: Template?
    let rules: Template?
    let tags: TaskSetting<[String]>?

    init(_ properties: TaskProperties) {
        month = properties.template("month")
        currency = properties.template("currency")
        filter = properties.filterSetting()
        budgets = properties.template("budgets")
        rules = properties.template("rules")
        tags = properties.setting("tags") { text in
            text.split(separator: ",").map { String($0).trimmingWhitespace }.filter { !$0.isEmpty }
        }
    }

    /// The report's options, with files read from the environment's working directory.
    func options(in context: TaskContext, environment: FinOpsTaskEnvironment) async throws -> CostReport.Options {
        var options = CostReport.Options()
        options.month = try month.map { try context.render($0) }.flatMap { $0.isEmpty ? nil : $0 }
        options.currency = try currency.map { try context.render($0) }.flatMap { $0.isEmpty ? nil : $0 }
        options.filter = try filter?.value(in: context)
        if let budgets {
            options.budgets = try await environment.load(try context.render(budgets)) { path in
                try Budget.load(contentsOf: path)
            }
        }
        if let rules {
            options.rules = try await environment.load(try context.render(rules)) { path in
                try AllocationRules(contentsOf: path)
            }
        }
        options.tagKeys = try tags?.value(in: context) ?? []
        return options
    }
}
