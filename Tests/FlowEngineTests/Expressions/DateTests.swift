import FlowEngine
import Foundation
import Testing

@Suite("Dates")
struct DateTests {
    /// 2024-12-20T10:15:30.123456Z, a Friday.
    private let now = Date(timeIntervalSince1970: 1_734_689_730.123456)

    private func renderNow(_ source: String, timeZone: TimeZone = .gmt) throws -> String {
        try render(source, [:], now: now, timeZone: timeZone)
    }

    @Test("now() formats the injected clock, iso by default")
    func nowFunction() throws {
        #expect(try renderNow("{{ now() }}") == "2024-12-20T10:15:30.123456Z")
        #expect(try renderNow("{{ now(timeZone='Europe/Paris') }}") == "2024-12-20T11:15:30.123456+01:00")
        #expect(try renderNow("{{ now('yyyy-MM-dd') }}") == "2024-12-20")
        #expect(try renderNow("{{ now(format='HH:mm') }}", timeZone: TimeZone(identifier: "Asia/Tokyo")!) == "19:15")
        #expect(try renderNow("{{ now() | date('yyyy') }}") == "2024")
    }

    @Test(
        "named formats",
        arguments: [
            ("iso", "UTC", "2024-12-20T10:15:30.123456Z"),
            ("iso_sec", "Europe/Paris", "2024-12-20T11:15:30+01:00"),
            ("sql", "UTC", "2024-12-20 10:15:30.123456"),
            ("sql_seq", "UTC", "2024-12-20 10:15:30"),
            ("iso_date_time", "UTC", "2024-12-20T10:15:30.123456Z[UTC]"),
            ("iso_zoned_date_time", "Europe/Paris", "2024-12-20T11:15:30.123456+01:00[Europe/Paris]"),
            ("iso_offset_date_time", "Europe/Paris", "2024-12-20T11:15:30.123456+01:00"),
            ("iso_local_date_time", "Europe/Paris", "2024-12-20T11:15:30.123456"),
            ("iso_date", "Europe/Paris", "2024-12-20+01:00"),
            ("iso_local_date", "UTC", "2024-12-20"),
            ("iso_time", "Europe/Paris", "11:15:30.123456+01:00"),
            ("iso_local_time", "UTC", "10:15:30.123456"),
            ("iso_instant", "Europe/Paris", "2024-12-20T10:15:30.123456Z"),
            ("iso_ordinal_date", "Z", "2024-355Z"),
            ("iso_week_date", "Z", "2024-W51-5Z"),
            ("rfc_1123_date_time", "Z", "Fri, 20 Dec 2024 10:15:30 GMT"),
            ("rfc_1123_date_time", "-05:00", "Fri, 20 Dec 2024 05:15:30 -0500"),
            ("medium", "UTC", "Dec 20, 2024, 10:15:30 AM"),
            ("short", "UTC", "12/20/24, 10:15 AM"),
        ]
    )
    func presets(format: String, zone: String, expected: String) throws {
        #expect(try renderNow("{{ now() | date('\(format)', timeZone='\(zone)') }}") == expected)
    }

    @Test(
        "Java pattern letters",
        arguments: [
            ("EEEE d MMMM yyyy, hh:mm a", "Friday 20 December 2024, 10:15 AM"),
            ("EEE MMM yy D", "Fri Dec 24 355"),
            ("'Week' w, 'Q'Q", "Week 51, Q4"),
            ("yyyy-MM-dd'T'HH:mm:ss.SSSZ", "2024-12-20T10:15:30.123+0000"),
            ("H:m:s S", "10:15:30 1"),
            ("xxx X", "+00:00 Z"),
            ("'it''s' ''", "it's '"),
            ("[yyyy]", "2024"),
            ("VV", "GMT"),
        ]
    )
    func patterns(pattern: String, expected: String) throws {
        #expect(try renderNow("{{ now() | date(\"\(pattern)\") }}") == expected)
    }

    @Test("offset letters in a zone east of UTC")
    func offsets() throws {
        let paris = "timeZone='Europe/Paris'"
        #expect(
            try renderNow("{{ now() | date('X | XX | XXX | x | Z | ZZZZ | ZZZZZ | O', \(paris)) }}")
                == "+01 | +0100 | +01:00 | +01 | +0100 | GMT+01:00 | +01:00 | GMT+1"
        )
        #expect(try renderNow("{{ now() | date('XXX', timeZone='+05:30') }}") == "+05:30")
    }

    @Test("inputs: zoned, local and date-only ISO text, epoch seconds")
    func inputs() throws {
        #expect(try render("{{ '2024-12-20T10:15:30Z' | date('yyyy-MM-dd HH:mm') }}") == "2024-12-20 10:15")
        #expect(try render("{{ '2024-12-20T10:15:30+02:00' | date('HH:mm XXX') }}") == "08:15 Z")
        #expect(
            try render("{{ '2024-12-20T10:15:30.5+01:00[Europe/Paris]' | date('HH:mm:ss.SSS') }}") == "09:15:30.500"
        )
        #expect(
            try render("{{ '2024-12-20T10:15:30Z' | date('HH:mm', timeZone='America/New_York') }}") == "05:15"
        )
        #expect(
            try render("{{ '2024-12-20T10:15:30' | date('HH:mm XXX', timeZone='Europe/Paris') }}") == "10:15 +01:00"
        )
        #expect(try render("{{ '2024-12-20' | date('yyyy-MM-dd HH:mm') }}") == "2024-12-20 12:00")
        #expect(try render("{{ 0 | date }}") == "1970-01-01T00:00:00.000000Z")
        #expect(try render("{{ 1734689730 | date('iso_sec') }}") == "2024-12-20T10:15:30Z")
        #expect(try render("{{ null | date }}") == "")
    }

    @Test("existingFormat reads text with a pattern")
    func existingFormat() throws {
        #expect(
            try render("{{ '20/12/2024 10:15' | date('yyyy-MM-dd HH:mm', existingFormat='dd/MM/yyyy HH:mm') }}")
                == "2024-12-20 10:15"
        )
        #expect(try render("{{ '20241220' | date('iso_local_date', existingFormat='yyyyMMdd') }}") == "2024-12-20")
        #expect(
            try render("{{ 'Dec 5, 2024 3:04 PM +0200' | date('iso_sec', existingFormat='MMM d, yyyy h:mm a Z') }}")
                == "2024-12-05T13:04:00Z"
        )
        #expect(
            renderError("{{ '2024/12' | date(existingFormat='yyyy-MM') }}")?.message
                == "filter `date`: `2024/12` does not match the format `yyyy-MM`"
        )
    }

    @Test("dateAdd moves the wall clock for days and longer, the instant for shorter units")
    func dateAdd() throws {
        #expect(try render("{{ '2024-01-31T10:00:00Z' | dateAdd(1, 'MONTHS', 'yyyy-MM-dd') }}") == "2024-02-29")
        #expect(try render("{{ '2024-01-31T10:00:00Z' | dateAdd(-1, 'DAYS') }}") == "2024-01-30T10:00:00.000000Z")
        #expect(try render("{{ '2024-01-31T10:00:00Z' | dateAdd(90, 'MINUTES', 'HH:mm') }}") == "11:30")
        #expect(try render("{{ '2024-01-31T10:00:00Z' | dateAdd(-1500, 'MILLIS', 'HH:mm:ss.SSS') }}") == "09:59:58.500")
        #expect(try render("{{ '2020-02-29T00:00:00Z' | dateAdd(1, 'YEARS', 'iso_local_date') }}") == "2021-02-28")
        let paris = "timeZone='Europe/Paris'"
        #expect(
            try render("{{ '2024-03-30T12:00:00+01:00' | dateAdd(1, 'DAYS', 'iso_offset_date_time', \(paris)) }}")
                == "2024-03-31T12:00:00+02:00"
        )
        #expect(
            try render("{{ '2024-03-30T12:00:00+01:00' | dateAdd(24, 'HOURS', 'iso_offset_date_time', \(paris)) }}")
                == "2024-03-31T13:00:00+02:00"
        )
        #expect(try renderNow("{{ now() | dateAdd(-2, 'WEEKS', 'yyyy-MM-dd') }}") == "2024-12-06")
        #expect(
            renderError("{{ 0 | dateAdd(1, 'FORTNIGHTS') }}")?.message.hasPrefix("filter `dateAdd`: unknown unit")
                == true
        )
    }

    @Test("timestamps in seconds, milliseconds, microseconds and nanoseconds")
    func timestamps() throws {
        let date = "'2024-12-20T10:15:30.5Z'"
        #expect(try value("{{ \(date) | timestamp }}") == .int(1_734_689_730))
        #expect(try value("{{ \(date) | timestampMilli }}") == .int(1_734_689_730_500))
        #expect(try value("{{ \(date) | timestampMicro }}") == .int(1_734_689_730_500_000))
        #expect(try value("{{ \(date) | timestampNano }}") == .int(1_734_689_730_500_000_000))
    }

    @Test("date errors")
    func errors() {
        #expect(renderError("{{ 'nope' | date }}")?.message == "filter `date`: `nope` is not a date")
        #expect(
            renderError("{{ 0 | date(timeZone='Mars/Base') }}")?.message
                == "filter `date`: unknown time zone `Mars/Base`"
        )
        #expect(
            renderError("{{ 0 | date('yyyy #') }}")?.message
                == "filter `date`: reserved character `#` in pattern `yyyy #`"
        )
        #expect(renderError("{{ 0 | date('yyyy-ww-bb') }}")?.message.contains("unsupported pattern letter `b`") == true)
    }
}
