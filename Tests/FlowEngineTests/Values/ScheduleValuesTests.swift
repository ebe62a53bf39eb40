import FlowEngine
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
