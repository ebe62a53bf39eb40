import FinOpsCore

/// What daily cost series hold besides their pattern: one-off spikes and drops, which a forecast must not follow,
/// and charges that recur on the same day each month (purchases, fees), which it must repeat.
struct DailyCharges {
    /// Day of month → the charge added on it.
    private var charges: [Int: Double] = [:]

    /// Finds the anomalies of a daily series (by ``AnomalyDetector``, monthly charges included), replaces them in `y`
    /// by their expectation, and keeps the charges seen on one day of the month in at least two of the last three
    /// months, the latest in the last five weeks. Other series are left as they are.
    init(cleaning y: inout [Double], of series: TimeSeries) throws(AnalyticsError) {
        guard series.step == TimeSeries.day, series.printsDates, y.count >= 56 else { return }
        var options = AnomalyOptions()
        options.ignoresMonthlyCharges = false
        let anomalies = try AnomalyDetector.detect(series, options: options)
        var byDay: [Int: [(index: Int, impact: Double)]] = [:]
        for anomaly in anomalies where anomaly.kind != .levelShift {
            y[anomaly.index] = anomaly.expected.doubleValue
            guard anomaly.kind == .spike, anomaly.index >= y.count - 92 else { continue }
            let day = CalendarDay(containing: series.instant(at: anomaly.index))
            byDay[Self.dayOfMonth(day), default: []].append((anomaly.index, anomaly.impact.doubleValue))
        }
        for (day, seen) in byDay where seen.count >= 2 {
            guard let latest = seen.map(\.index).max(), latest >= y.count - 35 else { continue }
            charges[day] = median(seen.map(\.impact))
        }
    }

    /// The charge expected at `index` (past the series' end), or 0.
    func amount(at index: Int, of series: TimeSeries) -> Double {
        guard !charges.isEmpty else { return 0 }
        return charges[Self.dayOfMonth(CalendarDay(containing: series.instant(at: index)))] ?? 0
    }

    /// The day of the month, the last day of every month counted as 31 (a charge on the 31st falls on the 30th in
    /// a 30-day month).
    private static func dayOfMonth(_ day: CalendarDay) -> Int {
        let c = day.components
        return c.day == day.daysInMonth ? 31 : c.day
    }
}
