import FinOpsCore
import FinOpsTestSupport
import Testing

@Suite("Timestamp")
struct TimestampTests {
    @Test(
        "parses ISO 8601 variants as UTC",
        arguments: [
            ("2024-09-01 00:00:00", "2024-09-01T00:00:00Z"), ("2024-09-01T00:00:00Z", "2024-09-01T00:00:00Z"),
            ("2024-09-01T00:00:00", "2024-09-01T00:00:00Z"), ("2024-09-01", "2024-09-01T00:00:00Z"),
            ("2024-02-29T23:59:59.123Z", "2024-02-29T23:59:59.123Z"),
            ("2024-01-01T00:00:00.000000Z", "2024-01-01T00:00:00Z"),
            ("2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00Z"), ("2023-12-31T19:00:00-0500", "2024-01-01T00:00:00Z"),
            ("2024-01-01T00:00", "2024-01-01T00:00:00Z"), ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z"),
            ("2024-01-01T00:00:00.123456000Z", "2024-01-01T00:00:00.123456Z"),
        ]
    )
    func parses(_ text: String, _ expected: String) throws {
        let timestamp = try #require(Timestamp(text))
        #expect(timestamp.description == expected)
    }

    @Test(
        "rejects invalid timestamps",
        arguments: [
            "", "2024", "2024-13-01", "2024-02-30", "2023-02-29", "2024-01-01T24:00:00", "2024-01-01T00:60:00",
            "2024-01-01X00:00:00", "2024-01-01T00:00:00ZZ", "01/09/2024", "2024-01-01T00:00:00.1234567Z", "NULL",
        ]
    )
    func rejects(_ text: String) {
        #expect(Timestamp(text) == nil)
    }

    @Test("month periods print as YYYY-MM")
    func monthPeriod() throws {
        let period = try #require(BillingPeriod.month(2024, 12))
        #expect(period.description == "2024-12")
        #expect(period.end.description == "2025-01-01T00:00:00Z")
        let odd = BillingPeriod(start: period.start, end: try #require(Timestamp("2025-01-15")))
        #expect(odd.description == "2024-12-01T00:00:00Z/2025-01-15T00:00:00Z")
    }
}

@Suite("NullMask")
struct NullMaskTests {
    @Test("appending masks at any bit offset equals appending bit by bit", arguments: [0, 1, 63, 64, 65, 130])
    func appendAtOffsets(_ prefix: Int) {
        var generator = SystemRandomNumberGenerator()
        let bits = (0..<prefix).map { _ in Bool.random(using: &generator) }
        let more = (0..<(prefix + 77)).map { _ in Bool.random(using: &generator) }
        var expected = NullMask()
        for bit in bits + more + Array(repeating: true, count: 70) + Array(repeating: false, count: 3) {
            expected.append(bit)
        }
        var actual = NullMask()
        for bit in bits { actual.append(bit) }
        var other = NullMask()
        for bit in more { other.append(bit) }
        actual.append(contentsOf: other)
        actual.append(repeating: true, count: 70)
        actual.append(repeating: false, count: 3)
        #expect(actual == expected)
    }
}

@Suite("CostTable builder")
struct CostTableBuilderTests {
    @Test("batches with different columns build one table; missing cells are null, dictionaries merged")
    func heterogeneousBatches() throws {
        let first = try Fixtures.readAll(Fixtures.file(Fixtures.csv([["ServiceName": "EC2"], ["ServiceName": "S3"]]))).0
        let second = try Fixtures.readAll(
            Fixtures.file(Fixtures.csv([["ServiceName": "S3", "x_Team": "core"]], extraColumns: ["x_Team"]))
        ).0
        let builder = CostTable.Builder()
        builder.append(first)
        builder.append(second)
        builder.append(first)
        let table = builder.build()
        #expect(table.rowCount == 5)
        #expect(builder.count == 5)
        let services = try #require(table.strings("ServiceName"))
        #expect((0..<5).map { services[$0] } == ["EC2", "S3", "S3", "EC2", "S3"])
        #expect(Set(services.dictionary) == ["EC2", "S3"])
        let team = try #require(table.strings("x_Team"))
        #expect((0..<5).map { team[$0] } == [nil, nil, "core", nil, nil])
        #expect(try table.decimals("BilledCost")?.sum() == ExactDecimal.parse("7.5"))
    }
}
