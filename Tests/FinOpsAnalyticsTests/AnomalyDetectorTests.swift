import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("Anomaly detector")
struct AnomalyDetectorTests {
    /// 365 days from 2024-01-01: level 100 with weekends at 60, ±3% noise, a purchase of 400 on every 15th, a
    /// spike (+80) on day 100, a drop (−60%) on day 200 and a lasting shift to +50% from day 300.
    static func series() -> (TimeSeries, first: CalendarDay) {
        var random = SeededRandom(seed: 42)
        let first = CalendarDay(year: 2024, month: 1, day: 1)!
        var values: [ExactDecimal] = []
        for t in 0..<365 {
            let day = first.advanced(by: t)
            var value = day.weekday >= 5 ? 60.0 : 100.0
            if t >= 300 { value *= 1.5 }
            value *= 1 + (Double(random.next(601)) - 300) / 10_000
            if t == 100 { value += 80 }
            if t == 200 { value *= 0.4 }
            if day.components.day == 15 { value += 400 }
            values.append(ExactDecimal(rounding: value, places: 2))
        }
        return (TimeSeries(name: "s", first: first, daily: values), first)
    }

    @Test("spikes, drops and a level shift are found; noise and monthly purchases are not")
    func findsInjected() throws {
        let (series, _) = Self.series()
        let found = try AnomalyDetector.detect(series)
        #expect(found.map(\.index) == [100, 200, 300])
        #expect(found.map(\.kind) == [.spike, .drop, .levelShift])
        let spike = try #require(found.first)
        #expect(spike.actual > spike.upper)
        #expect(spike.impact == spike.actual - spike.expected)
        #expect(spike.score > 4)
    }

    @Test("without monthly suppression the purchases are flagged")
    func monthlyCharges() throws {
        let (series, _) = Self.series()
        var options = AnomalyOptions()
        options.ignoresMonthlyCharges = false
        let found = try AnomalyDetector.detect(series, options: options)
        #expect(found.filter { $0.timestamp.hasSuffix("-15") }.count >= 10)
    }

    @Test("steps from the incomplete one on are not judged")
    func incomplete() throws {
        let (series, _) = Self.series()
        let found = try AnomalyDetector.detect(series, incompleteFrom: 200)
        #expect(found.map(\.index) == [100])
    }

    @Test("bad options are refused")
    func badOptions() {
        #expect(throws: AnalyticsError.self) {
            try AnomalyDetector.detect(Self.series().0, options: AnomalyOptions(threshold: 0))
        }
    }
}

extension ExactDecimal {
    init(rounding value: Double, places: Int) {
        self = try! ExactDecimal.parse(String(format: "%.\(places)f", value))
    }
}
