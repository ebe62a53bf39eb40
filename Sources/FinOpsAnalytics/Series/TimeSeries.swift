import FinOpsCore

/// A regular series of values: one per step (hour, day, week), with the text of each timestamp kept for output.
public struct TimeSeries: Sendable, Hashable {
    /// The series' name (a key of dimension values, or the `series` column of a file).
    public var name: String
    /// The first instant.
    public var start: Timestamp
    /// The step between values, in microseconds.
    public var step: Int64
    /// The exact values.
    public var values: [ExactDecimal]
    /// Whether timestamps print as dates (`2024-06-01`) rather than instants.
    public var printsDates: Bool

    /// Creates a series.
    public init(name: String, start: Timestamp, step: Int64, values: [ExactDecimal], printsDates: Bool) {
        self.name = name
        self.start = start
        self.step = step
        self.values = values
        self.printsDates = printsDates
    }

    /// A daily series starting on `first`.
    public init(name: String, first: CalendarDay, daily values: [ExactDecimal]) {
        self.init(name: name, start: first.start, step: Self.day, values: values, printsDates: true)
    }

    /// One day in microseconds.
    public static let day: Int64 = 86_400_000_000

    /// The instant of the value at `index` (which may lie past the end, for forecasts).
    public func instant(at index: Int) -> Timestamp {
        Timestamp(microsecondsSinceEpoch: start.microsecondsSinceEpoch &+ Int64(index) &* step)
    }

    /// The timestamp of the value at `index` as text: a date for daily and weekly series read from dates.
    public func label(at index: Int) -> String {
        let instant = instant(at: index)
        return printsDates ? CalendarDay(containing: instant).description : instant.description
    }

    /// The values as binary floating point, for fitting models (results go back to exact decimals).
    var doubles: [Double] { values.map(\.doubleValue) }
}

extension ExactDecimal {
    /// The nearest binary floating-point value, for statistics over amounts (never for amounts themselves).
    package var doubleValue: Double {
        // Two 64-bit halves: generic Int128 conversion is slow, and this runs once per value of every series.
        let high = Double(Int64(truncatingIfNeeded: units >> 64))
        let low = Double(UInt64(truncatingIfNeeded: units))
        return (high * 18_446_744_073_709_551_616.0 + low) / 1e18
    }

    /// The decimal nearest to `value` at `places` fractional digits (half away from zero), or `nil` when it is not
    /// finite or out of range.
    init?(rounding value: Double, places: Int) {
        guard value.isFinite, abs(value) < 1e19, (0...ExactDecimal.fractionDigits).contains(places) else { return nil }
        var scale: Double = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = (value * scale).rounded(.toNearestOrAwayFromZero)
        guard abs(scaled) < 9.2e18 else { return nil }
        guard let decimal = ExactDecimal(mantissa: Int64(scaled), scale: places) else { return nil }
        self = decimal
    }

    /// A model's estimate for series `series` as a decimal at `places` digits, or an overflow error.
    static func estimate(_ value: Double, _ places: Int, _ series: String) throws(AnalyticsError) -> ExactDecimal {
        guard let decimal = ExactDecimal(rounding: value, places: places) else {
            throw AnalyticsError(
                .overflow,
                "an estimate for series '\(series)' leaves the exact decimal range (\(value))"
            )
        }
        return decimal
    }

    /// The digits estimates of a series are printed with: as many as its values have, from 2 to 6.
    static func estimatePlaces(_ values: [ExactDecimal]) -> Int {
        var places = 2
        for value in values where value.units % 10_000_000_000_000_000 != 0 {
            places = Swift.max(places, value.fractionalDigitCount)
            if places >= 6 { return 6 }
        }
        return places
    }

    /// The number of fractional digits the shortest text of the value has.
    var fractionalDigitCount: Int {
        var units = self.units.magnitude
        var digits = ExactDecimal.fractionDigits
        while digits > 0, units % 10 == 0 {
            units /= 10
            digits -= 1
        }
        return digits
    }
}
