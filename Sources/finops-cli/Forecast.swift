import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import Foundation
import PivotKit

extension FinOps {
    struct Forecast: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Forecast daily cost per key (or a plain series), with prediction intervals and month-end totals.",
            discussion: """
                The method is chosen per series among exponential smoothing models (level, trend, damped trend, \
                with and without the weekly season) and the naive and seasonal naive methods: the one that best \
                forecasts a held-out stretch of the series' end, refitted on the whole series.
                Examples:
                  finops forecast --by ServiceName --month-end
                  finops forecast --by ServiceName --horizon 14 --format csv
                  finops forecast --series hourly.csv --season 24 --horizon 48 --interval 0.95
                  finops forecast --by ServiceName --backtest
                """
        )

        @OptionGroup var source: CostSourceOptions

        @OptionGroup var seriesOptions: SeriesOptions

        @Option(help: "Steps to forecast (default: to the end of the last day's month for costs, 7 for series).")
        var horizon: Int?

        @Option(help: "The coverage of prediction intervals (0.5–0.999).")
        var interval: Double = 0.8

        @Option(help: "Fit only the latest N steps (default: 140 days for costs, the whole series for --series).")
        var fitWindow: Int?

        @Flag(help: "Print each key's month-end total (actual to date + forecast) instead of daily forecasts.")
        var monthEnd = false

        @Flag(help: "Roll the forecast origin back over history and report MAPE, MASE and interval coverage.")
        var backtest = false

        @Option(help: "Output format: table, csv or json.")
        var format: AnalysisFormat = .table

        func run() async throws {
            let all = try await loadSeries()
            let window = fitWindow ?? (seriesOptions.series == nil ? 140 : nil)
            if backtest {
                let horizon = self.horizon ?? 7
                var results: [Backtest] = []
                for one in all {
                    results.append(
                        try Backtest.run(
                            one,
                            options: ForecastOptions(
                                horizon: horizon,
                                season: seriesOptions.season,
                                interval: interval,
                                fitWindow: window
                            )
                        )
                    )
                }
                printResult(results.table, as: format)
                return
            }
            if monthEnd {
                let totals = try Forecaster.monthEndTotals(all, season: seriesOptions.season, interval: interval)
                printResult(totals.table, as: format)
                return
            }
            var steps = horizon ?? 7
            if horizon == nil, seriesOptions.series == nil, let one = all.first {
                // Cost series all end on the data's last day: forecast to the end of its month.
                steps = Forecaster.daysToMonthEnd(of: one)
            }
            let forecasts = try Forecaster.forecast(
                all,
                options: ForecastOptions(
                    horizon: steps,
                    season: seriesOptions.season,
                    interval: interval,
                    fitWindow: window
                )
            )
            printResult(SeriesForecast.table(forecasts), as: format)
        }

        private func loadSeries() async throws -> [TimeSeries] {
            guard let query = try seriesOptions.costQuery(source: source) else {
                return try seriesOptions.plainSeries()
            }
            let result = try await source.withPivots { answer in try await answer(query.pivot) }
            let all = query.series(from: result)
            if all.isEmpty { throw DataError(message: "no rows match: nothing to forecast") }
            return all
        }
    }
}
