import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import Foundation

extension FinOps {
    struct Allocate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Allocate cost to teams by rules: showback/chargeback that adds up to the bill.",
            discussion: """
                Rules (YAML) assign cost by columns and tags and split shared cost evenly, by fixed weights, by \
                weights per period (CSV), or in proportion to what targets hold. For every period and currency the \
                allocated total equals the source total to the last digit.
                Examples:
                  finops allocate --rules Examples/allocation/rules.yml
                  finops allocate --rules rules.yml --format csv > showback.csv
                  finops allocate --rules rules.yml --explain platform
                """
        )

        @OptionGroup var source: CostSourceOptions

        @Option(help: "The rules file (YAML).")
        var rules: String

        @Option(help: "Print why this target pays what it pays, instead of the showback.")
        var explain: String?

        @Option(help: "Convert the showback to this reporting currency (needs --rates).")
        var currency: String?

        @Option(help: "Exchange rates CSV: date,from,to,rate (1 FROM = rate TO from that date on).")
        var rates: String?

        @Option(help: "Fractional digits of converted amounts (rounded half to even).")
        var places: Int = 2

        @Option(help: "Output format: table, csv or json.")
        var format: AnalysisFormat = .table

        func run() async throws {
            let rules = try AllocationRules(contentsOf: self.rules)
            let filter = try source.parsedFilter()
            let result = try await source.withPivots { answer in
                try rules.allocate(try await answer(rules.sourceQuery(filter: filter)))
            }
            for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            guard let target = explain else {
                if let currency {
                    guard let rates else { throw ValidationError("--currency needs --rates FILE") }
                    guard (0...18).contains(places) else { throw ValidationError("--places takes 0 to 18") }
                    let converted = try result.converted(
                        to: currency,
                        rates: try CurrencyRates(contentsOf: rates),
                        places: places
                    )
                    printResult(converted, as: format)
                    return
                }
                printResult(result.table, as: format)
                if format == .table {
                    let unbalanced = result.unbalanced
                    print(
                        unbalanced.isEmpty
                            ? "check: the allocation adds up to the source total in each of \(result.sourceTotals.count) period/currency pairs"
                            : "check FAILED: \(unbalanced.map { "\($0.period) \($0.currency)" }.joined(separator: ", "))"
                    )
                }
                return
            }
            let explanations = try result.explain(target)
            guard !explanations.isEmpty else {
                throw DataError(
                    message:
                        "'\(target)' holds no cost; targets: \(Set(result.lines.map(\.target)).sorted().joined(separator: ", "))"
                )
            }
            var table = ResultTable(columns: [
                ("period", .text), ("currency", .text), ("amount", .text), ("sources", .number), ("path", .text),
                ("largest sources", .text),
            ])
            for explanation in explanations {
                let largest = explanation.largestSources.map { source in
                    let key = source.source.map(\.description).joined(separator: ",")
                    return "\(key.isEmpty ? "(all rows)" : key): \(source.amount)"
                }
                table.append([
                    explanation.period, explanation.currency, explanation.amount.description,
                    String(explanation.sourceCount), explanation.steps.map(\.description).joined(separator: " -> "),
                    largest.joined(separator: "; "),
                ])
            }
            printResult(table, as: format)
        }
    }
}
