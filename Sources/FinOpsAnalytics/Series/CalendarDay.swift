import FinOpsCore

/// A date of the proleptic Gregorian calendar, counted in days since 1970-01-01: the step of daily cost series.
public struct CalendarDay: Sendable, Hashable, Comparable, Strideable, CustomStringConvertible {
    /// Days since 1970-01-01.
    public var daysSinceEpoch: Int

    /// Creates the day `daysSinceEpoch` days after 1970-01-01.
    public init(daysSinceEpoch: Int) {
        self.daysSinceEpoch = daysSinceEpoch
    }

    /// The day of a date, or `nil` for a date that does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Timestamp.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.daysSinceEpoch = Timestamp.daysFromCivil(year: year, month: month, day: day)
    }

    /// Parses `YYYY-MM-DD`.
    public init?(_ text: some StringProtocol) {
        self.init(utf8: text.utf8)
    }

    /// Parses `YYYY-MM-DD` from its UTF-8 bytes.
    init?(utf8 bytes: some Collection<UInt8>) {
        guard bytes.count == 10 else { return nil }
        var fields = (0, 0, 0)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 7 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            switch index {
            case 0..<4: fields.0 = fields.0 * 10 + digit
            case 5..<7: fields.1 = fields.1 * 10 + digit
            default: fields.2 = fields.2 * 10 + digit
            }
        }
        self.init(year: fields.0, month: fields.1, day: fields.2)
    }

    /// The UTC day an instant falls on.
    public init(containing instant: Timestamp) {
        let microsecondsPerDay: Int64 = 86_400_000_000
        let (quotient, remainder) = instant.microsecondsSinceEpoch.quotientAndRemainder(dividingBy: microsecondsPerDay)
        self.daysSinceEpoch = Int(remainder < 0 ? quotient - 1 : quotient)
    }

    /// Midnight UTC at the start of the day.
    public var start: Timestamp {
        Timestamp(microsecondsSinceEpoch: Int64(daysSinceEpoch) * 86_400_000_000)
    }

    /// The year, month and day.
    public var components: (year: Int, month: Int, day: Int) {
        Timestamp.civil(fromDays: daysSinceEpoch)
    }

    /// 0 for Monday through 6 for Sunday (1970-01-01 was a Thursday).
    public var weekday: Int {
        (daysSinceEpoch + 3).floorDivided(by: 7).remainder
    }

    /// The first day of the day's month.
    public var firstOfMonth: CalendarDay {
        let c = components
        return CalendarDay(daysSinceEpoch: daysSinceEpoch - (c.day - 1))
    }

    /// The number of days in the day's month.
    public var daysInMonth: Int {
        let c = components
        return Timestamp.daysIn(month: c.month, year: c.year)
    }

    /// The first day of the next month.
    public var firstOfNextMonth: CalendarDay {
        firstOfMonth.advanced(by: daysInMonth)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let c = components
        return "\(c.year)-\(c.month < 10 ? "0" : "")\(c.month)-\(c.day < 10 ? "0" : "")\(c.day)"
    }

    public static func < (lhs: CalendarDay, rhs: CalendarDay) -> Bool {
        lhs.daysSinceEpoch < rhs.daysSinceEpoch
    }

    public func distance(to other: CalendarDay) -> Int {
        other.daysSinceEpoch - daysSinceEpoch
    }

    public func advanced(by days: Int) -> CalendarDay {
        CalendarDay(daysSinceEpoch: daysSinceEpoch + days)
    }
}
