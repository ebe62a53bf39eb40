import FinOpsCore
import Foundation

/// How forecasts are made.
public struct ForecastOptions: Sendable, Hashable {
    /// How many steps ahead.
    public var horizon: Int
    /// The seasonal period in steps (7 for days in a week, 24 for hours in a day); 0 or 1 for none.
    public var season: Int
    /// The coverage of prediction intervals, between 0.5 and 0.999.
    public var interval: Double
    /// At most this many of the latest values are fitted: older history of cost data rarely helps.
    public var fitWindow: Int?

    /// Creates options.
    public init(horizon: Int, season: Int = 7, interval: Double = 0.8, fitWindow: Int? = nil) {
        self.horizon = horizon
        self.season = season
        self.interval = interval
        self.fitWindow = fitWindow
    }

    func validate() throws(AnalyticsError) {
        guard (1...10_000).contains(horizon) else {
            throw AnalyticsError(.invalidParameter, "the horizon must be from 1 to 10000 steps, got \(horizon)")
        }
        guard (0...10_000).contains(season) else {
            throw AnalyticsError(.invalidParameter, "the season must be from 0 to 10000 steps, got \(season)")
        }
        if let fitWindow, fitWindow < 3 {
            throw AnalyticsError(.invalidParameter, "the fit window must hold at least 3 steps, got \(fitWindow)")
        }
        guard interval >= 0.5, interval <= 0.999 else {
            throw AnalyticsError(.invalidParameter, "the interval must be from 0.5 to 0.999, got \(interval)")
        }
    }
}

/// Forecasts of one series.
public struct SeriesForecast: Sendable, Hashable {
    /// One future step.
    public struct Point: Sendable, Hashable {
        /// The step's timestamp, formatted as the series' own.
        public var timestamp: String
        /// The point forecast.
        public var forecast: ExactDecimal
        /// The lower bound of the prediction interval.
        public var lower: ExactDecimal
        /// The upper bound.
        public var upper: ExactDecimal
        /// The interval of the sum of the forecasts from the first step through this one (errors of successive
        /// steps are correlated, so this is narrower than the sum of the steps' bounds).
        public var cumulativeLower: ExactDecimal
        /// Its upper bound.
        public var cumulativeUpper: ExactDecimal
    }

    /// The series' name.
    public var series: String
    /// The method chosen (`ETS(A,Ad,A)`, `SeasonalNaive(7)`, …).
    public var method: String
    /// The interval's coverage.
    public var interval: Double
    /// The forecasts.
    public var points: [Point]
    /// The sum of the forecasts and its interval (for period totals).
    public struct Total: Sendable, Hashable {
        /// Σ of the point forecasts.
        public var forecast: ExactDecimal
        /// The lower bound of its interval.
        public var lower: ExactDecimal
        /// The upper bound.
        public var upper: ExactDecimal
    }

    /// The estimate of the sum of the forecasts and its interval.
    public var total: Total
}

/// Automatic forecasting: a family of exponential smoothing models (level, trend, damped trend, with and without
/// the season) and the naive and seasonal naive methods, the one chosen that forecasts a held-out stretch of the
/// series' end best (by mean absolute error), refitted on the whole series.
public enum Forecaster {
    /// Forecasts a series.
    ///
    /// - Throws: ``AnalyticsError`` for options out of range or a series with fewer than 3 values.
    public static func forecast(_ series: TimeSeries, options: ForecastOptions) throws(AnalyticsError) -> SeriesForecast
    {
        try forecast(series, options: options, totalFrom: 1)
    }

    /// Forecasts a series, its ``SeriesForecast/total`` summing the steps from `totalFrom` (1-based) on.
    static func forecast(
        _ series: TimeSeries,
        options: ForecastOptions,
        totalFrom: Int
    ) throws(AnalyticsError)
        -> SeriesForecast
    {
        try options.validate()
        guard series.values.count >= 3 else {
            throw AnalyticsError(
                .insufficientData,
                "series '\(series.name)' has \(series.values.count) values; at least 3 are needed"
            )
        }
        // The last forecast step must be a timestamp that can be written (year 9999 at the latest).
        let steps = Int64(series.values.count + options.horizon - 1)
        let (offset, overflow) = steps.multipliedReportingOverflow(by: series.step)
        let (last, overflowAgain) = series.start.microsecondsSinceEpoch.addingReportingOverflow(offset)
        guard !overflow, !overflowAgain,
            Timestamp(microsecondsSinceEpoch: last) < Timestamp(year: 10_000, month: 1, day: 1)!
        else {
            throw AnalyticsError(
                .invalidParameter,
                "series '\(series.name)': \(options.horizon) steps ahead lie past the year 9999; forecast fewer steps"
            )
        }
        // Only the fitted window needs cleaning, with the detector's own history (eight weeks) before it.
        var recent = series
        if let window = options.fitWindow, series.values.count > window + 56 {
            let dropped = series.values.count - window - 56
            recent.values = Array(series.values.suffix(window + 56))
            recent.start = series.instant(at: dropped)
        }
        var y = recent.doubles
        let recurring = try DailyCharges(cleaning: &y, of: recent)
        if let window = options.fitWindow, y.count > window { y = Array(y.suffix(window)) }
        guard let method = choose(y, options: options) else {
            throw AnalyticsError(.insufficientData, "series '\(series.name)' is too short for any forecasting method")
        }
        let nonNegative = series.values.allSatisfy { !$0.isNegative }
        let places = ExactDecimal.estimatePlaces(series.values)
        let z = normalQuantile(0.5 + options.interval / 2)
        let variances = method.variances
        var points: [SeriesForecast.Point] = []
        // Var(Σ errors through h) = σ² Σ_{j<h} C_j², C_j = ψ_0 + … + ψ_j.
        var cumulativeVariance = 0.0
        var cumulativePsi = 0.0
        var cumulativeForecast = ExactDecimal.zero
        for h in 0..<options.horizon {
            cumulativePsi += h == 0 ? 1 : method.psi[h - 1]
            cumulativeVariance += method.sigma2 * cumulativePsi * cumulativePsi
            let spread = z * variances[h].squareRoot()
            var forecast = method.points[h] + recurring.amount(at: recent.values.count + h, of: recent)
            var lower = forecast - spread
            var upper = forecast + spread
            if nonNegative {
                forecast = Swift.max(forecast, 0)
                lower = Swift.max(lower, 0)
                upper = Swift.max(upper, 0)
            }
            let point = try ExactDecimal.estimate(forecast, places, series.name)
            cumulativeForecast = try checkedSum(cumulativeForecast, point, "the total of series '\(series.name)'")
            let cumulativeSpread = z * cumulativeVariance.squareRoot()
            let total = cumulativeForecast.doubleValue
            points.append(
                .init(
                    timestamp: series.label(at: series.values.count + h),
                    forecast: point,
                    lower: try ExactDecimal.estimate(lower, places, series.name),
                    upper: try ExactDecimal.estimate(upper, places, series.name),
                    cumulativeLower: Swift.min(
                        cumulativeForecast,
                        try ExactDecimal.estimate(
                            nonNegative ? Swift.max(total - cumulativeSpread, 0) : total - cumulativeSpread,
                            places,
                            series.name
                        )
                    ),
                    cumulativeUpper: Swift.max(
                        cumulativeForecast,
                        try ExactDecimal.estimate(total + cumulativeSpread, places, series.name)
                    )
                )
            )
        }
        // The total is the exact sum of the printed forecasts, so the two always agree.
        var total = ExactDecimal.zero
        for point in points.dropFirst(totalFrom - 1) {
            total = try checkedSum(total, point.forecast, "the total of series '\(series.name)'")
        }
        let spread = z * method.varianceOfSum(from: totalFrom, through: options.horizon).squareRoot()
        let rawTotal = total.doubleValue
        let lower = try ExactDecimal.estimate(
            nonNegative ? Swift.max(rawTotal - spread, 0) : rawTotal - spread,
            places,
            series.name
        )
        let upper = try ExactDecimal.estimate(rawTotal + spread, places, series.name)
        return SeriesForecast(
            series: series.name,
            method: method.name,
            interval: options.interval,
            points: points,
            total: SeriesForecast.Total(forecast: total, lower: Swift.min(lower, total), upper: Swift.max(upper, total))
        )
    }

    /// The candidate methods for a season and a series of `count` values: with a long enough history of a daily
    /// season (24 hours), the weekly one (168 hours) too.
    static func candidates(season: Int, count: Int) -> [FittedMethod.Kind] {
        var kinds: [FittedMethod.Kind] = [
            .smoothing(.init(trend: .none, season: 0)), .smoothing(.init(trend: .damped, season: 0)),
            .smoothing(.init(trend: .additive, season: 0)), .naive,
        ]
        for m in [season, season * 7] where m > 1 && (m == season || (season == 24 && count >= 3 * m)) {
            kinds += [
                .smoothing(.init(trend: .none, season: m)), .smoothing(.init(trend: .damped, season: m)),
                .seasonalNaive(m), .seasonalMean(m, cycles: 4),
            ]
        }
        return kinds
    }

    /// The method that forecast the last stretches of `y` best when fitted without them (two origins, a horizon
    /// or two seasons apart), refitted on all of `y`; or the mean of the two or three best when that mean did
    /// better still. By AICc when `y` is too short to hold stretches out.
    static func choose(_ y: [Double], options: ForecastOptions) -> FittedMethod? {
        let kinds = candidates(season: options.season, count: y.count)
        let holdout = Swift.min(options.horizon, Swift.max(options.season, 1) * 2, y.count / 5)
        let origins = y.count - 2 * holdout >= 2 * Swift.max(options.season, 1) + 2 ? 2 : 1
        var scored: [(kind: FittedMethod.Kind, error: Double, points: [Double])] = []
        if holdout >= 2 {
            for kind in kinds {
                var error = 0.0
                var points: [Double] = []
                var complete = true
                for origin in 1...origins {
                    let end = y.count - holdout * (origins - origin)
                    let train = Array(y.prefix(end - holdout))
                    guard let fitted = FittedMethod.fit(kind, to: train, horizon: holdout) else {
                        complete = false
                        break
                    }
                    for (forecast, actual) in zip(fitted.points, y[(end - holdout)..<end]) {
                        error += abs(forecast - actual)
                    }
                    points += fitted.points
                }
                guard complete, error.isFinite else { continue }
                scored.append((kind, error, points))
            }
        }
        scored.sort { $0.error < $1.error }
        if let best = scored.first {
            // The mean of the best few, if it forecast the held-out stretches better than the best alone.
            var chosen = [best.kind]
            var chosenError = best.error
            let actual = Array(y.suffix(holdout * origins))
            for size in [2, 3] where scored.count >= size {
                var error = 0.0
                for index in actual.indices {
                    let mean = scored.prefix(size).reduce(0) { $0 + $1.points[index] } / Double(size)
                    error += abs(mean - actual[index])
                }
                if error < chosenError {
                    chosen = scored.prefix(size).map(\.kind)
                    chosenError = error
                }
            }
            let fits = chosen.compactMap { FittedMethod.fit($0, to: y, horizon: options.horizon) }
            if let combined = FittedMethod.mean(of: fits) { return combined }
        }
        let fits = kinds.compactMap { FittedMethod.fit($0, to: y, horizon: options.horizon) }
        if let smoothing = fits.filter({ $0.aicc.isFinite }).min(by: { $0.aicc < $1.aicc }) { return smoothing }
        return fits.first
    }
}

extension SeriesForecast {
    /// One row per series and step: `series,timestamp,forecast,lower,upper,method,cum_lower,cum_upper`.
    public static func table(_ forecasts: [SeriesForecast]) -> ResultTable {
        var table = ResultTable(columns: [
            ("series", .text), ("timestamp", .text), ("forecast", .text), ("lower", .text), ("upper", .text),
            ("method", .text), ("cum_lower", .text), ("cum_upper", .text),
        ])
        for forecast in forecasts {
            for point in forecast.points {
                table.append([
                    forecast.series, point.timestamp, point.forecast.description, point.lower.description,
                    point.upper.description, forecast.method, point.cumulativeLower.description,
                    point.cumulativeUpper.description,
                ])
            }
        }
        return table
    }
}
