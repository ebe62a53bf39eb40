import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import Foundation
import PivotKit

extension FinOps {
    struct Anomalies: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find days whose cost departs from its usual weekly pattern, with what explains them.",
            discussion: """
                Each key's daily cost is compared with its expectation: the recent level plus the weekday's \
                effect, with a robust spread (MAD of one-step errors). A day is flagged when it lies more than \
                --threshold spreads, --min-percent and --min-impact away. Runs of flags are reported once as a level \
                shift; charges that recur on the same day each month are not flagged; an incomplete last day is not \
                judged.
                Examples:
                  finops anomalies --by ServiceName
                  finops anomalies --by SubAccountId,ServiceName --min-impact 50 --format json
                  finops anomalies --series daily.csv --format csv
                """
        )

        @OptionGroup var source: CostSourceOptions

        @OptionGroup var seriesOptions: SeriesOptions

        @Option(help: "Robust standard deviations from the expectation that a value must lie.")
        var threshold: Double = 4

        @Option(
            help: "The smallest |actual − expected| flagged, in the series' unit (default 1 for costs, 0 for --series)."
        )
        var minImpact: String?

        @Option(help: "The smallest |actual − expected| ÷ expected flagged, in percent.")
        var minPercent: Double = 20

        @Option(help: "Dimensions searched for the members that explain each anomaly.")
        var contributors: String = "ServiceName,SubAccountId,ResourceId"

        @Option(help: "Output format: table, csv or json.")
        var format: AnalysisFormat = .table

        func run() async throws {
            let costQuery = try seriesOptions.costQuery(source: source)
            let impactText = minImpact ?? (costQuery == nil ? "0" : "1")
            guard let minimumImpact = ExactDecimal(impactText), !minimumImpact.isNegative else {
                throw ValidationError("--min-impact takes a decimal not below 0, got '\(impactText)'")
            }
            let options = AnomalyOptions(
                threshold: threshold,
                minimumImpact: minimumImpact,
                minimumPercent: minPercent / 100,
                season: seriesOptions.season
            )
            guard let costQuery else {
                let found = try AnomalyDetector.detect(try seriesOptions.plainSeries(), options: options)
                printResult(Anomaly.table(found), as: format)
                return
            }
            let contributorDimensions: [PivotDimension]
            do {
                contributorDimensions = try PivotSyntax.dimensions(contributors)
            } catch {
                throw ValidationError("--contributors: \(error)")
            }
            let detection = CostAnomalyDetection(
                series: costQuery,
                options: options,
                contributorDimensions: contributorDimensions
            )
            let report = try await source.withPivots { answer in try await detection.run(answer: answer) }
            if let day = report.incompleteDay {
                FileHandle.standardError.write(
                    Data("note: \(day) is still incomplete (fewer hours than the day before); not judged\n".utf8)
                )
            }
            printResult(report.table, as: format)
            if format == .table {
                print("\(report.anomalies.count) anomalies in \(report.seriesCount) series")
            }
        }
    }
}
