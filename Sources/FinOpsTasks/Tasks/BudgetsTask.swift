import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.CheckBudgets`: each budget's spend to date and forecast to its period's end against its
/// thresholds.
///
/// ```yaml
/// - id: budgets
///   type: io.finops.cost.CheckBudgets
///   budgets: budgets.yml
///   warnOn: warning
///   failOn: breached
/// ```
/// Properties: `budgets` (the budgets file), `asOf` (YYYY-MM-DD; default the data's last day), `rates` (a rates
/// CSV, to count cost billed in other currencies), `warnOn` and `failOn` (`never`, `warning` or `breached`: end the
/// task WARNING, or fail it, when a budget reaches that state; defaults `warning` and `never`). Outputs:
/// `statuses` (per budget: period, actual, forecast and bounds, state, alerts), `alerts` (every crossed threshold
/// as text), `breached` and `warning` (counts) and `state` (the worst).
struct BudgetsTask: TaskType {
    static let typeNames = ["io.finops.cost.CheckBudgets"]

    enum Trigger: String, Sendable, CaseIterable {
        case never, warning, breached

        func fires(on states: Set<BudgetStatus.State>) -> Bool {
            switch self {
            case .never: false
            case .warning: states.contains(.warning) || states.contains(.breached)
            case .breached: states.contains(.breached)
            }
        }
    }

    let budgets: Template
    let asOf: TaskSetting<CalendarDay>?
    let rates: Template?
    let warnOn: TaskSetting<Trigger>?
    let failOn: TaskSetting<Trigger>?

    init(properties: TaskProperties) throws {
        let budgets = properties.template("budgets", required: true)
        asOf = properties.setting("asOf") { text in
            guard let day = CalendarDay(text.trimmingWhitespace) else {
                throw SettingError("takes a day as YYYY-MM-DD, not '\(text)'")
            }
            return day
        }
        rates = properties.template("rates")
        warnOn = properties.choiceSetting("warnOn")
        failOn = properties.choiceSetting("failOn")
        guard let budgets else { throw properties.invalid }
        self.budgets = budgets
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let list = try await environment.load(try context.render(budgets)) { path in try Budget.load(contentsOf: path) }
        var rates: CurrencyRates?
        if let file = self.rates {
            rates = try await environment.load(try context.render(file)) { path in try CurrencyRates(contentsOf: path) }
        }
        let report = try await list.check(asOf: try asOf?.value(in: context), rates: rates) { query in
            try await environment.pivot(query, context: context)
        }
        for problem in report.hierarchyProblems { context.log(.warn, problem) }
        let alerts = report.statuses.flatMap { status in status.alerts.map { "\(status.budget.name): \($0)" } }
        for alert in alerts { context.log(.warn, alert) }
        let states = Set(report.statuses.map(\.state))
        let worst: BudgetStatus.State =
            states.contains(.breached) ? .breached : states.contains(.warning) ? .warning : .ok
        if try failOn?.value(in: context).fires(on: states) == true {
            throw TaskFailure("budgets \(worst.rawValue): \(alerts.joined(separator: "; "))")
        }
        if try (warnOn?.value(in: context) ?? .warning).fires(on: states) { context.markWarning() }
        return [
            "statuses": .list(report.statuses.map(Self.value(of:))),
            "alerts": .list(alerts.map(FlowValue.string)),
            "breached": .int(report.statuses.filter { $0.state == .breached }.count),
            "warning": .int(report.statuses.filter { $0.state == .warning }.count),
            "state": .string(worst.rawValue),
        ]
    }

    static func value(of status: BudgetStatus) -> FlowValue {
        [
            "budget": .string(status.budget.name),
            "currency": .string(status.budget.currency),
            "start": .string(status.start.description),
            "end": .string(status.end.description),
            "asOf": .string(status.asOf.description),
            "amount": FlowValue(exactly: status.budget.amount),
            "actual": FlowValue(exactly: status.actual),
            "forecast": FlowValue(exactly: status.forecast.forecast),
            "forecastLower": FlowValue(exactly: status.forecast.lower),
            "forecastUpper": FlowValue(exactly: status.forecast.upper),
            "state": .string(status.state.rawValue),
            "alerts": .list(status.alerts.map { .string($0.description) }),
        ]
    }
}
