import FinOpsCore

/// How well forecasts of a series would have done: the origin rolled back over its history, each forecast compared
/// with what followed.
public struct Backtest: Sendable, Hashable {
    /// The series' name.
    public var series: String
    /// How many origins were tried.
    public var origins: Int
    /// The steps forecast from each.
    public var horizon: Int
    /// Mean absolute percentage error over the steps whose actual is not zero (`nil` when all are zero).
    public var mape: Double?
    /// Mean absolute scaled error: the mean absolute error ÷ the in-sample mean absolute seasonal difference.
    public var mase: Double?
    /// The share of actuals inside the prediction intervals.
    public var coverage: Double
    /// The intervals' nominal coverage.
    public var interval: Double

    /// Backtests a series from up to `origins` origins, `options.horizon` steps apart, the latest `horizon` steps
    /// before its end.
    ///
    /// - Throws: ``AnalyticsError`` when the series is too short for one origin.
    public static func run(
        _ series: TimeSeries,
        options: ForecastOptions,
        origins: Int = 5
    ) throws(AnalyticsError) -> Backtest {
        try options.validate()
        let n = series.values.count
        let m = Swift.max(options.season, 1)
        let shortest = Swift.max(2 * m + 2, 10)
        var absolutePercent: [Double] = []
        var scaledErrors: [Double] = []
        var inside = 0
        var total = 0
        var tried = 0
        for index in 1...Swift.max(origins, 1) {
            let origin = n - options.horizon * index
            guard origin >= shortest else { break }
            var train = series
            train.values = Array(series.values.prefix(origin))
            let forecast = try Forecaster.forecast(train, options: options)
            let y = train.doubles
            var scale = 0.0
            for t in m..<y.count { scale += abs(y[t] - y[t - m]) }
            scale /= Double(y.count - m)
            for (step, point) in forecast.points.enumerated() {
                let actual = series.values[origin + step]
                let a = actual.doubleValue
                let f = point.forecast.doubleValue
                if a != 0 { absolutePercent.append(abs(f - a) / abs(a)) }
                if scale > 0 { scaledErrors.append(abs(f - a) / scale) }
                if point.lower <= actual, actual <= point.upper { inside += 1 }
                total += 1
            }
            tried += 1
        }
        guard tried > 0 else {
            throw AnalyticsError(
                .insufficientData,
                "series '\(series.name)' has \(n) values; a backtest of \(options.horizon) steps needs at least \(shortest + options.horizon)"
            )
        }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        return Backtest(
            series: series.name,
            origins: tried,
            horizon: options.horizon,
            mape: mean(absolutePercent).map { $0 * 100 },
            mase: mean(scaledErrors),
            coverage: Double(inside) / Double(total) * 100,
            interval: options.interval
        )
    }
}

extension Array where Element == Backtest {
    /// One row per series: MAPE and coverage in percent.
    public var table: ResultTable {
        var table = ResultTable(columns: [
            ("series", .text), ("origins", .number), ("horizon", .number), ("mape_percent", .number),
            ("mase", .number), ("coverage_percent", .number), ("nominal_percent", .number),
        ])
        func rounded(_ value: Double?) -> String? { value.map { String(($0 * 100).rounded() / 100) } }
        for result in self {
            table.append([
                result.series, String(result.origins), String(result.horizon), rounded(result.mape),
                rounded(result.mase), rounded(result.coverage), rounded(result.interval * 100),
            ])
        }
        return table
    }
}
