import FinOpsCore
import Foundation

/// How anomalies are told from noise.
public struct AnomalyOptions: Sendable, Hashable {
    /// How many robust standard deviations (1.4826 × the median absolute one-step error) a value must lie from its
    /// expectation.
    public var threshold: Double
    /// The smallest |actual − expected| that is flagged, in the series' unit (money for costs).
    public var minimumImpact: ExactDecimal
    /// The smallest |actual − expected| ÷ |expected| that is flagged (0.2 is 20%).
    public var minimumPercent: Double
    /// The seasonal period in steps (7 for daily data); 0 or 1 for none.
    public var season: Int
    /// How many past steps the expectation and the spread are estimated from.
    public var window: Int
    /// Steps at the start of a series that are only learned from: six weeks of days by default (at least four seasons, so that every phase's
    /// effect is a median of three or more).
    public var warmUp: Int
    /// How many consecutive flags in one direction make a level shift: its first step is reported as the shift,
    /// and the expectation restarts from the new level.
    public var levelShiftRun: Int
    /// Whether a spike that recurs on the same day of the previous or next month (a monthly purchase or fee) is left
    /// unflagged. Daily series only.
    public var ignoresMonthlyCharges: Bool

    /// Creates options; the defaults suit daily cost.
    public init(
        threshold: Double = 4,
        minimumImpact: ExactDecimal = .zero,
        minimumPercent: Double = 0.2,
        season: Int = 7,
        window: Int = 56,
        warmUp: Int = 42,
        levelShiftRun: Int = 4,
        ignoresMonthlyCharges: Bool = true
    ) {
        self.threshold = threshold
        self.minimumImpact = minimumImpact
        self.minimumPercent = minimumPercent
        self.season = season
        self.window = window
        self.warmUp = warmUp
        self.levelShiftRun = levelShiftRun
        self.ignoresMonthlyCharges = ignoresMonthlyCharges
    }

    func validate() throws(AnalyticsError) {
        guard threshold > 0, threshold.isFinite else {
            throw AnalyticsError(.invalidParameter, "the threshold must be above 0, got \(threshold)")
        }
        guard minimumPercent >= 0, minimumPercent.isFinite else {
            throw AnalyticsError(.invalidParameter, "the minimum percent must not be negative, got \(minimumPercent)")
        }
        guard !minimumImpact.isNegative else {
            throw AnalyticsError(.invalidParameter, "the minimum impact must not be negative, got \(minimumImpact)")
        }
        guard (0...1_000).contains(season), (7...10_000).contains(window), (2...10_000).contains(warmUp),
            (2...1_000).contains(levelShiftRun)
        else {
            throw AnalyticsError(
                .invalidParameter,
                "season must be 0–1000, window 7–10000, warm-up 2–10000 and the level-shift run 2–1000 steps"
            )
        }
    }
}

/// A value far from what its series' recent history leads to expect.
public struct Anomaly: Sendable, Hashable {
    /// What the detector found.
    public enum Kind: String, Sendable, Hashable {
        /// Above the expectation.
        case spike
        /// Below it.
        case drop
        /// The first step of a lasting change of level.
        case levelShift = "level-shift"
    }

    /// The series' name.
    public var series: String
    /// The step's position in the series.
    public var index: Int
    /// The step's timestamp as the series prints it.
    public var timestamp: String
    /// What was seen.
    public var kind: Kind
    /// The value.
    public var actual: ExactDecimal
    /// The expectation.
    public var expected: ExactDecimal
    /// The lowest value that would not have been flagged.
    public var lower: ExactDecimal
    /// The highest value that would not have been flagged.
    public var upper: ExactDecimal
    /// actual − expected.
    public var impact: ExactDecimal
    /// (actual − expected) ÷ the robust spread.
    public var score: Double
}

/// A robust, explainable detector for cost series: the expectation is the recent level (the median of the last
/// week's deseasonalised values) plus the seasonal effect of the step's phase (medians over the window of each
/// phase's deviation from a moving average), the spread the scaled median absolute deviation of one-step errors.
/// A value is flagged when it lies more than ``AnomalyOptions/threshold`` spreads and more than the minimum impact in
/// money and percent away. Runs of flags become level shifts; monthly charges are recognised and left alone.
public enum AnomalyDetector {
    /// The anomalies of a series, oldest first; steps from `incompleteFrom` on (a day whose data is still arriving)
    /// are not judged.
    public static func detect(
        _ series: TimeSeries,
        options: AnomalyOptions = .init(),
        incompleteFrom: Int? = nil
    )
        throws(AnalyticsError) -> [Anomaly]
    {
        try options.validate()
        let y = series.doubles
        let n = Swift.min(y.count, incompleteFrom ?? y.count)
        let m = Swift.max(options.season, 1)
        let warmUp = Swift.max(options.warmUp, m > 1 ? 4 * m : 0)
        guard n > warmUp else { return [] }
        let places = ExactDecimal.estimatePlaces(series.values)
        let minimumImpact = options.minimumImpact.doubleValue
        let nonNegative = series.values.allSatisfy { !$0.isNegative }

        // Cost is multiplicative: weekends are a share of weekdays at any level. Series with negative values
        // (credits) are treated additively.
        let multiplicative = nonNegative && m > 1
        // The median of the season around each step: seasonal effects are measured against it, untouched by spikes.
        var centred = [Double?](repeating: nil, count: n)
        if m > 1, n >= m {
            var window = [Double](repeating: 0, count: m)
            for first in 0...(n - m) {
                for offset in 0..<m { window[offset] = y[first + offset] }
                centred[first + m / 2] = medianInPlace(&window)
            }
        }
        var seasonal = [Double](repeating: multiplicative ? 1 : 0, count: m)
        func deseasonalised(_ d: Int) -> Double {
            multiplicative ? (seasonal[d % m] > 0 ? y[d] / seasonal[d % m] : y[d]) : y[d] - seasonal[d % m]
        }
        var shiftStart = 0
        /// The recent level (the median of up to seven deseasonalised values since the last shift) in the phase of t.
        var recent: [Double] = []
        recent.reserveCapacity(7)
        func expectation(_ t: Int) -> (level: Double, value: Double) {
            recent.removeAll(keepingCapacity: true)
            var d = t - 1
            while d >= Swift.max(shiftStart, t - options.window, 0), recent.count < 7 {
                recent.append(deseasonalised(d))
                d -= 1
            }
            let level = recent.isEmpty ? y[Swift.max(t - 1, 0)] : medianInPlace(&recent)
            return (level, multiplicative ? level * seasonal[t % m] : level + seasonal[t % m])
        }
        /// One-step errors: relative to the expectation for multiplicative series, so the spread follows the level.
        func error(_ t: Int, _ expected: Double) -> Double {
            let difference = y[t] - expected
            guard multiplicative else { return difference }
            return expected > 0 ? difference / expected : (difference == 0 ? 0 : 1)
        }

        var expected = [Double](repeating: 0, count: n)
        var errors: [Double] = []
        var spread = 0.0
        var flags = [Int8](repeating: 0, count: n)  // +1 above, −1 below, 2 level shift
        var bounds = [(Double, Double)](repeating: (0, 0), count: n)
        var scores = [Double](repeating: 0, count: n)
        var run = 0
        for t in warmUp..<n {
            if m > 1, t % m == 0 || t == warmUp {
                seasonal = seasonalEffects(
                    y,
                    centred,
                    from: Swift.max(t - options.window, 0),
                    to: t - m / 2,
                    m: m,
                    multiplicative: multiplicative
                )
            }
            if t == warmUp {
                // Learn the spread from the warm-up, judged with the first seasonal effects.
                for d in Swift.max(1, t - options.window)..<t { errors.append(error(d, expectation(d).value)) }
            }
            if t % 7 == 0 || t == warmUp || spread == 0 {
                let recentErrors = errors.suffix(options.window)
                // Few errors underestimate the spread: widen it while the history is short.
                let shortHistory = (1 + 8 / Double(Swift.max(recentErrors.count, 1))).squareRoot()
                spread = 1.4826 * median(recentErrors.map(abs)) * shortHistory
            }
            let (level, expectation) = expectation(t)
            expected[t] = expectation
            let difference = y[t] - expectation
            let scale = multiplicative ? abs(expectation) : 1
            let sigma = Swift.max(spread * scale, 0.01 * abs(level), 1e-9)
            let halfWidth = Swift.max(
                options.threshold * sigma,
                options.minimumPercent * abs(expectation),
                minimumImpact
            )
            bounds[t] = (expectation - halfWidth, expectation + halfWidth)
            scores[t] = difference / sigma
            // A run counts steps on one side by at least half the width: a shift's days do not all clear the full
            // width, but they stay on its side.
            let sign: Int8 = difference > 0 ? 1 : -1
            if abs(difference) > halfWidth / 2 {
                run = run != 0 && (run > 0) == (sign > 0) ? run + Int(sign) : Int(sign)
            } else {
                run = 0
            }
            if abs(difference) > halfWidth { flags[t] = sign }
            if abs(run) >= options.levelShiftRun, flags[t - abs(run) + 1...t].contains(where: { $0 != 0 }) {
                // The values moved and stayed: the first flagged step of the run is the shift; learn the new level.
                let first = (t - abs(run) + 1...t).first { flags[$0] != 0 } ?? t
                for index in (t - abs(run) + 1)...t { flags[index] = 0 }
                flags[first] = 2
                shiftStart = first
                run = 0
            }
            // Flagged values do not teach the spread: a burst of spikes would widen it.
            let e = error(t, expectation)
            let limit = 3 * sigma / Swift.max(scale, 1e-300)
            errors.append(flags[t] == 0 ? e : (e > 0 ? 1 : -1) * Swift.min(abs(e), limit))
        }

        var anomalies: [Anomaly] = []
        for t in 0..<n where flags[t] != 0 {
            let impact = y[t] - expected[t]
            if flags[t] != 2, options.ignoresMonthlyCharges, series.printsDates, series.step == TimeSeries.day,
                recursMonthly(t, impact: impact, y: y, expected: expected, series: series, count: n)
            {
                continue
            }
            let kind: Anomaly.Kind = flags[t] == 2 ? .levelShift : flags[t] > 0 ? .spike : .drop
            var lower = bounds[t].0
            if nonNegative { lower = Swift.max(lower, 0) }
            anomalies.append(
                Anomaly(
                    series: series.name,
                    index: t,
                    timestamp: series.label(at: t),
                    kind: kind,
                    actual: series.values[t],
                    expected: try ExactDecimal.estimate(expected[t], places, series.name),
                    lower: try ExactDecimal.estimate(lower, places, series.name),
                    upper: try ExactDecimal.estimate(bounds[t].1, places, series.name),
                    impact: try ExactDecimal.estimate(impact, places, series.name),
                    score: (scores[t] * 100).rounded() / 100
                )
            )
        }
        return anomalies
    }

    /// Each phase's median deviation (or ratio) from the centred median over `from..<to`; phases with fewer than
    /// three values keep no effect.
    private static func seasonalEffects(
        _ y: [Double],
        _ centred: [Double?],
        from: Int,
        to: Int,
        m: Int,
        multiplicative: Bool
    ) -> [Double] {
        var deviations = [[Double]](repeating: [], count: m)
        if to > from {
            for d in from..<to {
                guard let centre = centred[d] else { continue }
                if multiplicative {
                    if centre > 0 { deviations[d % m].append(y[d] / centre) }
                } else {
                    deviations[d % m].append(y[d] - centre)
                }
            }
        }
        let neutral = multiplicative ? 1.0 : 0.0
        var effects = deviations.map { $0.count >= 3 ? median($0) : neutral }
        let mean = effects.reduce(0, +) / Double(m)
        for index in effects.indices {
            if multiplicative {
                if mean > 0 { effects[index] /= mean }
            } else {
                effects[index] -= mean
            }
        }
        return effects
    }

    /// Whether the same day of the previous or next month deviated the same way by at least half as much.
    private static func recursMonthly(
        _ t: Int,
        impact: Double,
        y: [Double],
        expected: [Double],
        series: TimeSeries,
        count: Int
    ) -> Bool {
        let day = CalendarDay(containing: series.instant(at: t))
        let dayOfMonth = day.components.day
        for direction in [-1, 1] {
            let first = direction < 0 ? day.firstOfMonth.advanced(by: -1).firstOfMonth : day.firstOfNextMonth
            let other = first.advanced(by: Swift.min(dayOfMonth, first.daysInMonth) - 1)
            let index = t + day.distance(to: other)
            guard index >= 0, index < count, expected[index] != 0 || y[index] != 0 else { continue }
            let deviation = y[index] - expected[index]
            if deviation * impact > 0, abs(deviation) >= 0.5 * abs(impact), abs(deviation) <= 2 * abs(impact) {
                return true
            }
        }
        return false
    }
}

/// The median of `values`, which it sorts in place (no allocation: this runs for every step of every series).
func medianInPlace(_ values: inout [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    // Insertion sort: the arrays are a season or a week long.
    for i in 1..<values.count {
        let value = values[i]
        var j = i - 1
        while j >= 0, values[j] > value {
            values[j + 1] = values[j]
            j -= 1
        }
        values[j + 1] = value
    }
    let middle = values.count / 2
    return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
}

/// The median (the mean of the middle two for an even count); 0 for none.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

extension Anomaly {
    /// The columns of plain-series anomalies, as `finops anomalies --series` prints them.
    public static func table(_ anomalies: [Anomaly]) -> ResultTable {
        var table = ResultTable(columns: [
            ("series", .text), ("timestamp", .text), ("actual", .text), ("expected", .text), ("lower", .text),
            ("upper", .text), ("impact", .text), ("score", .number), ("kind", .text),
        ])
        for a in anomalies {
            table.append([
                a.series, a.timestamp, a.actual.description, a.expected.description, a.lower.description,
                a.upper.description, a.impact.description, String(a.score), a.kind.rawValue,
            ])
        }
        return table
    }
}
