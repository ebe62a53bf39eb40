import FlowEngine
import Foundation
import Testing

@Suite("Durations, cron expressions, retry delays and states")
struct ScheduleValuesTests {
    @Test(
        "ISO-8601 durations read days, hours, minutes and fractional seconds",
        arguments: [
            ("PT30S", Duration.seconds(30)), ("PT1H30M", .seconds(5400)), ("P1DT2H", .seconds(93_600)),
            ("PT0.25S", .milliseconds(250)), ("pt5m", .seconds(300)), ("-PT1S", .seconds(-1)),
        ]
    )
    func durations(text: String, expected: Duration) {
        #expect(ISODuration.parse(text) == expected)
    }

    @Test(
        "malformed durations are refused; formatting is ISO-8601",
        arguments: [
            "", "P", "PT", "5M", "PT1D", "P1H", "PT1.5M", "PTxS", "PT1.-5S",
            // Beyond what a Duration holds: refused, not a trap.
            "P99999999999999999999999999999999999999D", "P9999999999999999D", "PT9223372036854775808S",
            "P100000000000000DT1000000000000000H",
        ]
    )
    func badDurations(text: String) {
        #expect(ISODuration.parse(text) == nil)
    }

    @Test("durations format back")
    func formatting() {
        #expect(ISODuration.format(.seconds(5400)) == "PT1H30M")
        #expect(ISODuration.format(.milliseconds(250)) == "PT0.25S")
        #expect(ISODuration.format(.zero) == "PT0S")
    }

    @Test("cron fields: lists, ranges, steps, names, nicknames, seconds")
    func cron() throws {
        let expression = try CronExpression("*/15 9-17 * JAN,jul MON-FRI")
        #expect(expression.minutes == [0, 15, 30, 45])
        #expect(expression.hours == Set(9...17))
        #expect(expression.months == [1, 7])
        #expect(expression.daysOfWeek == Set(1...5))
        #expect(try CronExpression("@daily").hours == [0])
        #expect(try CronExpression("0 0 * * 7").daysOfWeek == [0])
        #expect(try CronExpression("30 0 12 * * *", withSeconds: true).seconds == [30])
    }

    @Test(
        "cron errors name the field",
        arguments: [
            ("* * * *", "a cron expression has 5 fields, not 4"), ("60 * * * *", "minute 60 is outside 0-59"),
            ("* * 0 * *", "day of month 0 is outside 1-31"), ("* * * FOO *", "'FOO' is not a valid month"),
            ("*/0 * * * *", "the step of '*/0' in the minute field must be a positive number"),
            ("5-1 * * * *", "the minute range '5-1' goes backwards"),
        ]
    )
    func cronErrors(text: String, message: String) {
        let error = #expect(throws: CronError.self) { try CronExpression(text) }
        #expect(error?.message == message)
    }

    @Test("retry delays: constant, exponential capped, random within bounds; maxAttempt and maxDuration stop")
    func retryDelays() {
        let constant = RetryPolicy(backoff: .constant(.seconds(5)), maxAttempts: 3, maxDuration: nil)
        #expect(constant.delay(after: 1, elapsed: .zero, random: 0) == .seconds(5))
        #expect(constant.delay(after: 3, elapsed: .zero, random: 0) == nil)
        let exponential = RetryPolicy(
            backoff: .exponential(interval: .seconds(1), maxInterval: .seconds(10), factor: 2),
            maxAttempts: 10,
            maxDuration: nil
        )
        #expect(
            (1...6).map { exponential.delay(after: $0, elapsed: .zero, random: 0) }
                == [1, 2, 4, 8, 10, 10].map { Duration.seconds($0) }
        )
        let random = RetryPolicy(
            backoff: .random(min: .seconds(2), max: .seconds(4)),
            maxAttempts: nil,
            maxDuration: .seconds(60)
        )
        #expect(random.delay(after: 1, elapsed: .zero, random: 0.5) == .seconds(3))
        #expect(random.delay(after: 9, elapsed: .seconds(57), random: 0.5) == nil)
    }

    @Test("extreme retry settings saturate instead of overflowing")
    func extremeRetries() throws {
        let longest = try #require(ISODuration.parse("PT9223372036854775807S"))
        let exponential = RetryPolicy(
            backoff: .exponential(interval: longest, maxInterval: longest, factor: 1e300),
            maxAttempts: nil,
            maxDuration: longest
        )
        #expect(exponential.delay(after: 40, elapsed: .zero, random: 0) == nil)
        let huge = RetryPolicy(
            backoff: .exponential(interval: .seconds(1), maxInterval: .seconds(3_600), factor: 1e300),
            maxAttempts: nil,
            maxDuration: nil
        )
        #expect(huge.delay(after: 3, elapsed: .zero, random: 0) == .seconds(3_600))
        let random = RetryPolicy(
            backoff: .random(min: .zero - longest, max: longest),
            maxAttempts: nil,
            maxDuration: nil
        )
        #expect(random.delay(after: 1, elapsed: longest, random: 0.5) != nil)
    }

    @Test("a group's state: KILLED over FAILED over WARNING over PAUSED over SUCCESS; SKIPPED counts as success")
    func combinedStates() {
        #expect(TaskState.combined([.success, .skipped]) == .success)
        #expect(TaskState.combined([.warning, .paused]) == .warning)
        #expect(TaskState.combined([.paused, .success]) == .paused)
        #expect(TaskState.combined([.warning, .failed, .success]) == .failed)
        #expect(TaskState.combined([.failed, .killed]) == .killed)
        #expect(TaskState.combined([]) == .success)
    }
}

@Suite("Cron next fire times")
struct CronNextFireTests {
    static func instant(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static func next(_ cron: String, after: String, zone: String = "UTC", seconds: Bool = false) throws -> String? {
        let expression = try CronExpression(cron, withSeconds: seconds)
        guard let date = expression.next(after: instant(after), in: TimeZone(identifier: zone)!) else { return nil }
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: date)
    }

    @Test("weekdays, nicknames, steps, seconds and the month's last days")
    func plain() throws {
        #expect(try Self.next("0 9 * * MON-FRI", after: "2024-06-07T10:00:00Z") == "2024-06-10T09:00:00Z")
        #expect(try Self.next("0 9 * * MON-FRI", after: "2024-06-10T08:59:59Z") == "2024-06-10T09:00:00Z")
        #expect(try Self.next("0 9 * * MON-FRI", after: "2024-06-10T09:00:00Z") == "2024-06-11T09:00:00Z")
        #expect(try Self.next("@daily", after: "2024-12-31T23:59:59Z") == "2025-01-01T00:00:00Z")
        #expect(try Self.next("*/15 * * * *", after: "2024-06-10T09:16:00Z") == "2024-06-10T09:30:00Z")
        #expect(try Self.next("*/20 * * * * *", after: "2024-06-10T09:16:41Z", seconds: true) == "2024-06-10T09:17:00Z")
        #expect(try Self.next("0 0 29 2 *", after: "2024-03-01T00:00:00Z") == "2028-02-29T00:00:00Z")
        #expect(try Self.next("0 0 31 * *", after: "2024-04-01T00:00:00Z") == "2024-05-31T00:00:00Z")
        #expect(try Self.next("0 0 30 2 *", after: "2024-01-01T00:00:00Z") == nil)
    }

    @Test("with both day fields restricted a day matches either, as in Unix cron")
    func dayFields() throws {
        // The 1st of the month or any Monday: after Friday 2024-06-28, Monday 1 July is both; after it, Monday 8th.
        #expect(try Self.next("0 0 1 * MON", after: "2024-06-28T12:00:00Z") == "2024-07-01T00:00:00Z")
        #expect(try Self.next("0 0 1 * MON", after: "2024-07-01T00:00:00Z") == "2024-07-08T00:00:00Z")
        #expect(try Self.next("0 0 15 * *", after: "2024-07-01T00:00:00Z") == "2024-07-15T00:00:00Z")
    }

    @Test("in a time zone, across daylight-saving changes each wall-clock time runs once")
    func daylightSaving() throws {
        // Paris: 9:00 wall clock is 07:00 UTC in summer, 08:00 in winter.
        #expect(
            try Self.next("0 9 * * *", after: "2024-03-30T12:00:00Z", zone: "Europe/Paris") == "2024-03-31T07:00:00Z"
        )
        #expect(
            try Self.next("0 9 * * *", after: "2024-10-26T12:00:00Z", zone: "Europe/Paris") == "2024-10-27T08:00:00Z"
        )
        // 02:30 does not exist on 31 March 2024 in Paris (02:00 → 03:00): it runs once, after the gap.
        let spring = try #require(try Self.next("30 2 * * *", after: "2024-03-30T12:00:00Z", zone: "Europe/Paris"))
        #expect(spring == "2024-03-31T01:30:00Z")
        #expect(try Self.next("30 2 * * *", after: spring, zone: "Europe/Paris") == "2024-04-01T00:30:00Z")
        // 02:30 happens twice on 27 October 2024 (03:00 → 02:00): it runs at the first, and not again that night.
        #expect(
            try Self.next("30 2 * * *", after: "2024-10-26T12:00:00Z", zone: "Europe/Paris") == "2024-10-27T00:30:00Z"
        )
        #expect(
            try Self.next("30 2 * * *", after: "2024-10-27T00:30:00Z", zone: "Europe/Paris") == "2024-10-28T01:30:00Z"
        )
        // New York, spring forward at 02:00 on 10 March 2024.
        #expect(
            try Self.next("0 12 * * *", after: "2024-03-09T18:00:00Z", zone: "America/New_York")
                == "2024-03-10T16:00:00Z"
        )
    }
}
