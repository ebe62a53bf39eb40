import FinOpsCore

/// Where a period's total will end: the actual to date plus the forecast of the days left, with an interval.
public struct PeriodForecast: Sendable, Hashable {
    /// The series' name.
    public var series: String
    /// The period's first day.
    public var start: CalendarDay
    /// The day after its last.
    public var end: CalendarDay
    /// Σ of the values from the start through the series' last day.
    public var actualToDate: ExactDecimal
    /// The expected total of the whole period.
    public var forecast: ExactDecimal
    /// The interval's lower bound of the total.
    public var lower: ExactDecimal
    /// Its upper bound.
    public var upper: ExactDecimal
    /// The method forecasting the days left (`nil` when the period is over).
    public var method: String?
}

extension PeriodForecast {
    /// A period whose total is known: nothing is left to forecast, or nothing can be.
    init(settled total: ExactDecimal, series: String, start: CalendarDay, end: CalendarDay) {
        self.init(
            series: series,
            start: start,
            end: end,
            actualToDate: total,
            forecast: total,
            lower: total,
            upper: total,
            method: nil
        )
    }
}

extension Forecaster {
    /// The total of a daily series over `[start, end)`: the values it has plus the forecast of the days after its
    /// last (the interval is that of the sum of the forecasts, whose errors are correlated).
    ///
    /// - Throws: ``AnalyticsError`` for a series that is not daily, a period that ends before the series starts or
    ///   starts after the day after its end, or a series too short to forecast.
    public static func periodTotal(
        _ series: TimeSeries,
        from start: CalendarDay,
        until end: CalendarDay,
        season: Int = 7,
        interval: Double = 0.8
    ) throws(AnalyticsError) -> PeriodForecast {
        guard series.step == TimeSeries.day else {
            throw AnalyticsError(.invalidParameter, "series '\(series.name)' is not daily; period totals need days")
        }
        guard start < end else { throw AnalyticsError(.invalidParameter, "the period \(start)…\(end) is empty") }
        let first = CalendarDay(containing: series.start)
        let last = first.advanced(by: series.values.count - 1)
        var toDate = ExactDecimal.zero
        var day = Swift.max(start, first)
        while day < end, day <= last {
            toDate = try checkedSum(toDate, series.values[first.distance(to: day)], "series '\(series.name)'")
            day = day.advanced(by: 1)
        }
        let left = Swift.max(0, Swift.max(last.advanced(by: 1), start).distance(to: end))
        let daysBeforeStart = Swift.max(0, last.advanced(by: 1).distance(to: start))
        guard left > 0 else {
            return PeriodForecast(settled: toDate, series: series.name, start: start, end: end)
        }
        // Days between the series' end and the period's start are forecast but not counted.
        let forecast = try Forecaster.forecast(
            series,
            options: ForecastOptions(
                horizon: daysBeforeStart + left,
                season: season,
                interval: interval,
                fitWindow: 140
            ),
            totalFrom: daysBeforeStart + 1
        )
        let what = "series '\(series.name)'"
        return PeriodForecast(
            series: series.name,
            start: start,
            end: end,
            actualToDate: toDate,
            forecast: try checkedSum(toDate, forecast.total.forecast, what),
            lower: try checkedSum(toDate, forecast.total.lower, what),
            upper: try checkedSum(toDate, forecast.total.upper, what),
            method: forecast.method
        )
    }
}

extension Array where Element == PeriodForecast {
    /// One row per series: `series,start,end,actual_to_date,forecast,lower,upper,method`.
    public var table: ResultTable {
        var table = ResultTable(columns: [
            ("series", .text), ("start", .text), ("end", .text), ("actual_to_date", .text), ("forecast", .text),
            ("lower", .text), ("upper", .text), ("method", .text),
        ])
        for total in self {
            table.append([
                total.series, total.start.description, total.end.advanced(by: -1).description,
                total.actualToDate.description, total.forecast.description, total.lower.description,
                total.upper.description, total.method,
            ])
        }
        return table
    }
}

extension Forecaster {
    /// Each daily series' total over the calendar month of its last day: the values it has plus the forecast of the
    /// days left.
    ///
    /// - Throws: ``AnalyticsError`` as ``periodTotal(_:from:until:season:interval:)``.
    public static func monthEndTotals(
        _ series: [TimeSeries],
        season: Int = 7,
        interval: Double = 0.8
    ) throws(AnalyticsError) -> [PeriodForecast] {
        var totals: [PeriodForecast] = []
        for one in series {
            let last = CalendarDay(containing: one.instant(at: one.values.count - 1))
            totals.append(
                try periodTotal(
                    one,
                    from: last.firstOfMonth,
                    until: last.firstOfNextMonth,
                    season: season,
                    interval: interval
                )
            )
        }
        return totals
    }

    /// The days from a daily series' last day to the end of its month, at least 1: the default horizon of a cost
    /// forecast.
    public static func daysToMonthEnd(of series: TimeSeries) -> Int {
        let last = CalendarDay(containing: series.instant(at: series.values.count - 1))
        return Swift.max(1, last.distance(to: last.firstOfNextMonth) - 1)
    }
}
