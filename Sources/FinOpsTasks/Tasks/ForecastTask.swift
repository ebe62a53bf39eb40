import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

/// `io.finops.cost.Forecast`: daily cost forecasts with prediction intervals, or each series' month-end total.
///
/// ```yaml
/// - id: forecast
///   type: io.finops.cost.Forecast
///   by: [BillingCurrency]
///   monthEnd: true
/// ```
/// Properties: `by`, `measure`, `where`, `horizon` (days; default to the end of the last day's month), `season`
/// (default 7), `interval` (coverage, default 0.8), `fitWindow` (days fitted, default 140), `monthEnd` (totals of
/// the month instead of daily points). Outputs: `forecasts` (per series: method, points with forecast, lower and
/// upper, and the total of the points) or, with `monthEnd`, `totals` (per series: actualToDate, forecast, lower,
/// upper); `count` either way.
struct ForecastTask: TaskType {
    static let typeNames = ["io.finops.cost.Forecast"]
    let series: CostSeriesSettings
    let horizon: TaskSetting<Int>?
    let season: TaskSetting<Int>?
    let interval: TaskSetting<Double>?
    let fitWindow: TaskSetting<Int>?
    let monthEnd: TaskSetting<Bool>?

    init(properties: TaskProperties) throws {
        let series = CostSeriesSettings(properties)
        horizon = properties.integerSetting("horizon", in: 1...3_660)
        season = properties.integerSetting("season", in: 0...10_000)
        interval = properties.numberSetting("interval", in: 0.5...0.999)
        fitWindow = properties.integerSetting("fitWindow", in: 3...1_000_000)
        monthEnd = properties.boolSetting("monthEnd")
        guard let series else { throw properties.invalid }
        self.series = series
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let query = try series.query.value(in: context)
        let all = query.series(from: try await environment.pivot(query.pivot, context: context))
        guard let first = all.first else { throw TaskFailure("no rows match: nothing to forecast") }
        let season = try self.season?.value(in: context) ?? 7
        let interval = try self.interval?.value(in: context) ?? 0.8
        if try monthEnd?.value(in: context) == true {
            let totals = try Forecaster.monthEndTotals(all, season: season, interval: interval)
            return ["count": .int(totals.count), "totals": .list(totals.map(Self.value(of:)))]
        }
        let options = ForecastOptions(
            horizon: try horizon?.value(in: context) ?? Forecaster.daysToMonthEnd(of: first),
            season: season,
            interval: interval,
            fitWindow: try fitWindow?.value(in: context) ?? 140
        )
        let forecasts = try Forecaster.forecast(all, options: options)
        return ["count": .int(forecasts.count), "forecasts": .list(forecasts.map(Self.value(of:)))]
    }

    static func value(of forecast: SeriesForecast) -> FlowValue {
        [
            "series": .string(forecast.series),
            "method": .string(forecast.method),
            "points": .list(
                forecast.points.map { point in
                    [
                        "day": .string(point.timestamp),
                        "forecast": FlowValue(exactly: point.forecast),
                        "lower": FlowValue(exactly: point.lower),
                        "upper": FlowValue(exactly: point.upper),
                    ]
                }
            ),
            "total": FlowValue(exactly: forecast.total.forecast),
            "totalLower": FlowValue(exactly: forecast.total.lower),
            "totalUpper": FlowValue(exactly: forecast.total.upper),
        ]
    }

    static func value(of total: PeriodForecast) -> FlowValue {
        [
            "series": .string(total.series),
            "start": .string(total.start.description),
            "end": .string(total.end.description),
            "actualToDate": FlowValue(exactly: total.actualToDate),
            "forecast": FlowValue(exactly: total.forecast),
            "lower": FlowValue(exactly: total.lower),
            "upper": FlowValue(exactly: total.upper),
        ]
    }
}
