import FinOpsCore
import Foundation
import Testing

@Suite("ExactDecimal")
struct ExactDecimalTests {
    @Test(
        "parses text exactly",
        arguments: [
            ("0", "0"), ("-0", "0"), ("+7", "7"), ("00012.3400", "12.34"), ("0.00000080000", "0.0000008"),
            (".5", "0.5"), ("5.", "5"), ("1.2E-10", "0.00000000012"), ("-3e+2", "-300"), ("35.2E-7", "0.00000352"),
            ("1e18", "1000000000000000000"), ("0.000000000000000001", "0.000000000000000001"),
            ("123456789012345678.123456789012345678", "123456789012345678.123456789012345678"),
            ("-170141183460469231731.687303715884105727", "-170141183460469231731.687303715884105727"),
            ("1.000000000000000000000000", "1"), ("0e-400", "0"),
            ("12345678901234567890123E-18", "12345.678901234567890123"),
        ]
    )
    func parses(_ text: String, _ expected: String) throws {
        #expect(try ExactDecimal.parse(text).description == expected)
    }

    @Test(
        "rejects what is not an exact decimal",
        arguments: [
            ("", DecimalParseError.Reason.malformed), ("abc", .malformed), ("1.2.3", .malformed), ("1e", .malformed),
            ("1e+", .malformed), ("--1", .malformed), ("1,5", .malformed), ("$5", .malformed), (" 1", .malformed),
            ("NaN", .malformed), ("0.0000000000000000001", .tooManyFractionDigits), ("1e-19", .tooManyFractionDigits),
            ("170141183460469231732", .outOfRange), ("1e21", .outOfRange),
            ("123456789012345678901234567890123456789", .outOfRange),
        ]
    )
    func rejects(_ text: String, _ reason: DecimalParseError.Reason) {
        #expect(throws: DecimalParseError(reason: reason)) { try ExactDecimal.parse(text) }
    }

    @Test("formatting round-trips for values across the whole range")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let high = Int64.random(in: Int64.min...Int64.max, using: &generator) >> Int.random(in: 0...63)
            let value = ExactDecimal(units: Int128(high) << 64 | Int128(UInt64.random(in: 0...UInt64.max)))
            #expect(try ExactDecimal.parse(value.description) == value)
        }
        #expect(try ExactDecimal.parse(ExactDecimal.greatestFiniteMagnitude.description) == .greatestFiniteMagnitude)
    }

    @Test("sums are exact and independent of order")
    func orderIndependentSums() throws {
        let values = try ["0.1", "0.2", "-0.3", "1e-18", "99999999999.999999999999999999", "-1e-18", "0.7"].map {
            try ExactDecimal.parse($0)
        }
        var forward = ExactDecimal.zero
        for value in values { forward = try forward.adding(value) }
        var backward = ExactDecimal.zero
        for value in values.reversed() { backward = try backward.adding(value) }
        #expect(forward == backward)
        #expect(forward.description == "100000000000.699999999999999999")
    }

    @Test("overflow is an error, never a wrap")
    func overflow() {
        #expect(throws: DecimalOverflowError.self) {
            try ExactDecimal.greatestFiniteMagnitude.adding(ExactDecimal(units: 1))
        }
        #expect(throws: DecimalOverflowError.self) {
            try ExactDecimal.leastFiniteMagnitude.subtracting(ExactDecimal(1))
        }
        #expect(throws: DecimalOverflowError.self) {
            try ExactDecimal(100_000_000_000).multiplied(by: 1_000_000_000_000)
        }
    }

    @Test("display rounding pads and rounds half away from zero")
    func formattedPlaces() throws {
        #expect(try ExactDecimal.parse("2.345").formatted(places: 2) == "2.35")
        #expect(try ExactDecimal.parse("-2.345").formatted(places: 2) == "-2.35")
        #expect(try ExactDecimal.parse("7").formatted(places: 2) == "7.00")
        #expect(try ExactDecimal.parse("0.1").formatted(places: 3) == "0.100")
        #expect(try ExactDecimal.parse("-0.001").formatted(places: 2) == "0.00")
    }

    @Test("display rounding at the greatest magnitudes rounds past them, never traps (found by FuzzDecimal)")
    func formattedAtTheLimits() throws {
        let found = try ExactDecimal.parse("1701411834604692317316.73037158841057278e-1")
        #expect(found.formatted(places: 0) == "170141183460469231732")
        let greatest = ExactDecimal.greatestFiniteMagnitude
        #expect(greatest.formatted(places: 0) == "170141183460469231732")
        #expect(greatest.formatted(places: 2) == "170141183460469231731.69")
        #expect(greatest.formatted(places: 18) == "170141183460469231731.687303715884105727")
        let least = ExactDecimal.leastFiniteMagnitude
        #expect(least.formatted(places: 0) == "-170141183460469231732")
        #expect(least.formatted(places: 18) == least.description)
    }

    @Test("JSON carries every digit as a string")
    func codable() throws {
        let value = try ExactDecimal.parse("-12345.000000000000000001")
        let data = try JSONEncoder().encode([value])
        #expect(String(decoding: data, as: UTF8.self) == "[\"-12345.000000000000000001\"]")
        #expect(try JSONDecoder().decode([ExactDecimal].self, from: data) == [value])
    }
}
