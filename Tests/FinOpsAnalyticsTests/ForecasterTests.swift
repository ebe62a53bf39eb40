import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("Forecaster")
struct ForecasterTests {
    static func weekly(days: Int, noise: Double, trend: Double = 0) -> TimeSeries {
        var random = SeededRandom(seed: 7)
        let first = CalendarDay(year: 2024, month: 1, day: 1)!
        let values = (0..<days).map { t -> ExactDecimal in
            let base = (first.advanced(by: t).weekday >= 5 ? 50.0 : 100.0) + trend * Double(t)
            return ExactDecimal(rounding: base * (1 + noise * (Double(random.next(2001)) - 1000) / 1000), places: 2)
        }
        return TimeSeries(name: "s", first: first, daily: values)
    }

    @Test("a clean weekly pattern is forecast exactly enough, intervals widen with the horizon")
    func seasonal() throws {
        let series = Self.weekly(days: 140, noise: 0.01)
        let forecast = try Forecaster.forecast(series, options: ForecastOptions(horizon: 14))
        #expect(forecast.points.count == 14)
        #expect(forecast.points.first?.timestamp == "2024-05-20")
        for (h, point) in forecast.points.enumerated() {
            let expected = CalendarDay("2024-05-20")!.advanced(by: h).weekday >= 5 ? 50.0 : 100.0
            #expect(abs(Double(point.forecast.description)! - expected) < 3, "step \(h): \(point)")
            #expect(point.lower <= point.forecast && point.forecast <= point.upper)
        }
        let width = { (p: SeriesForecast.Point) in (p.upper - p.lower).units }
        #expect(width(forecast.points[13]) >= width(forecast.points[0]))
    }

    @Test("a trend is followed")
    func trend() throws {
        let series = Self.weekly(days: 140, noise: 0.005, trend: 1)
        let forecast = try Forecaster.forecast(series, options: ForecastOptions(horizon: 7))
        let last = forecast.points[6]
        // Day 146 is a Sunday: 50 + 146.
        #expect(abs(Double(last.forecast.description)! - 196) < 8, "\(forecast.method) \(last)")
    }

    @Test("a month's total is what it has plus the forecast of the days left")
    func periodTotal() throws {
        let series = Self.weekly(days: 140, noise: 0.01)
        let start = CalendarDay("2024-05-01")!
        let total = try Forecaster.periodTotal(series, from: start, until: CalendarDay("2024-06-01")!)
        var toDate = ExactDecimal.zero
        for index in 121..<140 { toDate += series.values[index] }
        #expect(total.actualToDate == toDate)
        let rest = try Forecaster.forecast(series, options: ForecastOptions(horizon: 12))
        var sum = ExactDecimal.zero
        for point in rest.points { sum += point.forecast }
        #expect(total.forecast == toDate + sum)
        #expect(total.lower < total.forecast && total.forecast < total.upper)
        // A period after the data: none of it is actual.
        let june = try Forecaster.periodTotal(
            series,
            from: CalendarDay("2024-06-01")!,
            until: CalendarDay("2024-07-01")!
        )
        #expect(june.actualToDate == .zero)
        let juneExpected: Double = 20 * 100 + 10 * 50
        let juneForecast = Double(june.forecast.description) ?? 0
        #expect(abs(juneForecast - juneExpected) < 150)
    }

    @Test("a backtest of a clean series has small errors and about the nominal coverage")
    func backtest() throws {
        let result = try Backtest.run(Self.weekly(days: 200, noise: 0.03), options: ForecastOptions(horizon: 7))
        #expect(result.origins == 5)
        #expect(try #require(result.mape) < 5)
        #expect(result.coverage >= 50)
    }

    @Test(
        "series files: bad lines are named",
        arguments: [
            ("timestamp,value\n2024-01-01,1\n2024-01-02,x\n", "s.csv:3: field value: 'x'"),
            (
                "timestamp,value\n2024-01-01,1\n2024-01-02,1\n2024-01-04,1\n",
                "s.csv:4: field timestamp: 2024-01-04 breaks"
            ),
            ("time,value\n", "s.csv:1: the header must be"),
            (
                "series,timestamp,value\na,2024-01-01,1\na,2024-01-01,2\n",
                "s.csv:3: field timestamp: 2024-01-01 is not after"
            ),
            ("timestamp,value\n2024-13-01,1\n", "s.csv:2: field timestamp: '2024-13-01'"),
        ]
    )
    func badSeries(_ text: String, _ message: String) {
        #expect {
            _ = try SeriesFile.parse(text, path: "s.csv")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test("hourly series keep their instants")
    func hourly() throws {
        var lines = ["timestamp,value"]
        for t in 0..<72 { lines.append("2024-01-0\(t / 24 + 1)T\(t % 24 < 10 ? "0" : "")\(t % 24):00:00Z,\(t % 24)") }
        let text = lines.joined(separator: "\n")
        let series = try #require(try SeriesFile.parse(text, path: "h.csv").first)
        let forecast = try Forecaster.forecast(series, options: ForecastOptions(horizon: 2, season: 24))
        #expect(forecast.points.map(\.timestamp) == ["2024-01-04T00:00:00Z", "2024-01-04T01:00:00Z"])
    }
}
