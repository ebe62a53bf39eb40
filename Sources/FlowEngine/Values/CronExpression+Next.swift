import Foundation

extension CronExpression {
    /// The first moment after `date` that the schedule names, in a time zone's wall-clock time; `nil` when none comes
    /// within eight years (`0 0 30 2 *`).
    ///
    /// Days match as in Unix cron: when both the day of month and the day of week are restricted, a day matches
    /// either. Across daylight-saving changes a wall-clock time runs once: a time skipped when clocks go forward runs
    /// as far past the gap as it was into it (02:30 on a night that jumps from 02:00 to 03:00 runs at 03:30, as Java's
    /// zoned times, and so Kestra, place it), and a time that occurs twice when clocks go back runs at its first
    /// occurrence.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let after = date.timeIntervalSinceReferenceDate
        let start = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard var day = calendar.date(from: DateComponents(year: start.year, month: start.month, day: start.day))
        else { return nil }
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        let sortedSeconds = seconds.sorted()
        let anyDayOfMonth = daysOfMonth.count == 31
        let anyDayOfWeek = daysOfWeek.count == 7
        for index in 0..<(366 * 8) {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            guard let year = parts.year, let month = parts.month, let dayOfMonth = parts.day,
                let weekday = parts.weekday
            else { return nil }
            let byMonthDay = daysOfMonth.contains(dayOfMonth)
            let byWeekday = daysOfWeek.contains(weekday - 1)
            let dayMatches =
                anyDayOfMonth ? byWeekday : anyDayOfWeek ? byMonthDay : (byMonthDay || byWeekday)
            if months.contains(month), dayMatches {
                let first = index == 0
                for hour in sortedHours where !first || hour >= (start.hour ?? 0) {
                    let sameHour = first && hour == start.hour
                    for minute in sortedMinutes where !sameHour || minute >= (start.minute ?? 0) {
                        for second in sortedSeconds {
                            let wall = DateComponents(
                                year: year,
                                month: month,
                                day: dayOfMonth,
                                hour: hour,
                                minute: minute,
                                second: second
                            )
                            guard let candidate = calendar.date(from: wall) else { continue }
                            if candidate.timeIntervalSinceReferenceDate > after { return candidate }
                        }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = following
        }
        return nil
    }
}
