import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import Foundation

extension FinOps {
    struct Budgets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "budgets",
            abstract: "Check spend against budgets.",
            subcommands: [Check.self]
        )

        struct Check: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Actual to date and forecast to period end for each budget, with its status and alerts.",
                discussion: """
                    Each budget (a YAML file) has a scope (a filter), a period (month, quarter, year or a range), an \
                    amount in a currency and thresholds on actual or forecast spend, in percent or absolute. \
                    Children (parent:) that add up past their parent are reported.
                    Examples:
                      finops budgets check --budgets Examples/budgets/budgets.yml
                      finops budgets check --budgets budgets.yml --as-of 2024-09-15 --fail-on breached
                    """
            )

            @OptionGroup var source: CostSourceOptions

            @Option(help: "The budgets file (YAML).")
            var budgets: String

            @Option(help: "Count spend through this day (YYYY-MM-DD); default: the last day with cost.")
            var asOf: String?

            @Option(help: "The cost column.")
            var cost: String = "EffectiveCost"

            @Option(help: "The coverage of the forecast's interval.")
            var interval: Double = 0.8

            @Option(help: "Exchange rates CSV (date,from,to,rate): count cost billed in other currencies, converted.")
            var rates: String?

            @Option(help: "Exit with status 3 when a budget is 'breached' or at least 'warning'; 'never' by default.")
            var failOn: FailOn = .never

            @Option(help: "Output format: table, csv or json.")
            var format: AnalysisFormat = .table

            enum FailOn: String, ExpressibleByArgument, CaseIterable {
                case never, warning, breached
            }

            func run() async throws {
                var day: CalendarDay?
                if let asOf {
                    guard let parsed = CalendarDay(asOf) else {
                        throw ValidationError("--as-of takes YYYY-MM-DD, got '\(asOf)'")
                    }
                    day = parsed
                }
                let list = try Budget.load(contentsOf: budgets)
                let rates = try self.rates.map { (path) throws(AnalyticsError) in try CurrencyRates(contentsOf: path) }
                let report = try await source.withPivots { answer in
                    try await list.check(asOf: day, cost: cost, interval: interval, rates: rates, answer: answer)
                }
                printResult(report.table, as: format)
                for problem in report.hierarchyProblems {
                    FileHandle.standardError.write(Data("warning: \(problem)\n".utf8))
                }
                let states = Set(report.statuses.map(\.state))
                let fails =
                    switch failOn {
                    case .never: false
                    case .warning: states.contains(.warning) || states.contains(.breached)
                    case .breached: states.contains(.breached)
                    }
                if fails { throw ExitCode(3) }
            }
        }
    }
}
