import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import Foundation

extension FinOps {
    struct Commitments: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Commitment discounts: utilization, unused cost, savings and coverage.",
            discussion: """
                Per CommitmentDiscountId: what its purchases billed, the cost of the usage it covered (Used) and of \
                what went unused (Unused), utilization (used ÷ committed, by CommitmentDiscountQuantity where given), \
                and savings against ListCost and ContractedCost. Then, per service the commitments apply to, \
                coverage: the list cost of covered usage ÷ the list cost of all its usage.
                Examples:
                  finops commitments
                  finops commitments --file export.csv --format json
                """
        )

        @OptionGroup var source: CostSourceOptions

        @Option(help: "Output format: table, csv or json.")
        var format: AnalysisFormat = .table

        func run() async throws {
            let filter = try source.parsedFilter()
            let report = try await source.withPivots { answer in
                try await CommitmentReport.measure(filter: filter, answer: answer)
            }
            printResult(report.table, as: format)
            if format == .table {
                print("\ncoverage")
                printResult(report.coverageTable, as: format)
            }
        }
    }

    struct Reconcile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Billed cost per invoice, account and billing period, and the FOCUS invariants the data breaks.",
            discussion: """
                Checks that commitment purchases carry no EffectiveCost and that, per commitment, Σ EffectiveCost \
                of its usage equals Σ BilledCost of its purchases (over a whole term). Exits 3 when a check fails \
                with --strict.
                Examples:
                  finops reconcile
                  finops reconcile --file export.csv --strict
                """
        )

        @OptionGroup var source: CostSourceOptions

        @Flag(help: "Exit with status 3 when an invariant does not hold.")
        var strict = false

        @Option(help: "Output format: table, csv or json.")
        var format: AnalysisFormat = .table

        func run() async throws {
            let filter = try source.parsedFilter()
            let result = try await source.withPivots { answer in
                try await Reconciliation.run(filter: filter, answer: answer)
            }
            printResult(result.table, as: format)
            for violation in result.violations {
                FileHandle.standardError.write(Data("violation: \(violation)\n".utf8))
            }
            if format == .table, result.violations.isEmpty { print("every checked invariant holds") }
            if strict, !result.violations.isEmpty { throw ExitCode(3) }
        }
    }
}
