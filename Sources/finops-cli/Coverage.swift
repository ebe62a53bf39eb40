import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import Foundation

extension FinOps {
    struct Coverage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure tag coverage: the share of cost and of resources carrying each tag key.",
            discussion: """
                Per key, currency, month and account (SubAccountId), then each month's total: cost and cost with the \
                key (spend coverage), resources and resources with the key (resource coverage). Then the largest \
                untagged services, accounts and resources.
                Examples:
                  finops coverage --tag team
                  finops coverage --tag team,env --format csv
                """
        )

        @OptionGroup var source: CostSourceOptions

        @Option(help: "Tag keys, comma-separated.")
        var tag: String

        @Option(help: "The cost column.")
        var cost: String = "EffectiveCost"

        @Option(help: "How many of the largest untagged members to list per dimension.")
        var top: Int = 5

        @Option(help: "Output format: table, csv or json.")
        var format: AnalysisFormat = .table

        func run() async throws {
            let keys = tag.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !keys.isEmpty else { throw ValidationError("--tag takes one or more keys, e.g. team,env") }
            guard top >= 0 else { throw ValidationError("--top must not be negative") }
            let filter = try source.parsedFilter()
            let coverage = try await source.withPivots { answer in
                try await TagCoverage.measure(keys: keys, cost: cost, filter: filter, top: top, answer: answer)
            }
            printResult(coverage.table, as: format)
            if format == .table, !coverage.untagged.isEmpty {
                print("\nlargest untagged cost")
                printResult(coverage.untaggedTable, as: format)
            }
        }
    }
}
