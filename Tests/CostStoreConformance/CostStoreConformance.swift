import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

/// One behaviour every ``CostStore`` must have, checked on a fresh, empty store.
public struct CostStoreCheck: Sendable, CustomStringConvertible, CustomTestStringConvertible {
    /// What is checked.
    public let name: String
    private let body: @Sendable (any CostStore) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (any CostStore) async throws -> Void) {
        self.name = name
        self.body = body
    }

    public var description: String { name }
    public var testDescription: String { name }

    /// Runs the check on an empty store.
    public func run(on store: any CostStore) async throws {
        try await body(store)
    }
}

/// The contract of ``CostStore``, written once and run against every store (the embedded one in FinOpsCoreTests,
/// PostgreSQL in PGStoreTests):
///
/// ```swift
/// @Test(arguments: CostStoreConformance.checks)
/// func conformance(_ check: CostStoreCheck) async throws { try await check.run(on: makeEmptyStore()) }
/// ```
public enum CostStoreConformance {
    /// Every check.
    public static let checks: [CostStoreCheck] = [
        CostStoreCheck("a generated export reads back cell for cell, with its periods and exact totals", roundTrip),
        CostStoreCheck("re-ingesting the same file is idempotent", idempotent),
        CostStoreCheck("a replace covers only its rows' periods; other sources are untouched", replaceScope),
        CostStoreCheck("a load whose body throws changes nothing", bodyThrows),
        CostStoreCheck("a strict ingest error mid-file leaves the previous data", failedIngest),
        CostStoreCheck("an empty load changes nothing", emptyLoad),
        CostStoreCheck("replace(period:source:with:) refuses rows of another period", replaceOnePeriod),
        CostStoreCheck("rows without a billing period or currency are refused", missingColumns),
        CostStoreCheck("hostile text in sources, values, tags and column names round-trips exactly", hostileText),
        CostStoreCheck("tags keep key order, repeated keys, number spelling and nested JSON", exactTags),
        CostStoreCheck("extreme decimals and instants, and nulls, round-trip exactly", extremeValues),
        CostStoreCheck("periods mixed in a batch and spread over batches keep their row order", mixedBatches),
        CostStoreCheck("filters select by source, from and until", filters),
        CostStoreCheck("columns missing from some batches read as null for their rows", columnUnion),
        CostStoreCheck("a read of some columns gives those, as a full read does, in stored order", columnProjection),
    ]

    // MARK: - Checks

    static func roundTrip(_ store: any CostStore) async throws {
        let path = Fixtures.file(named: "gen.csv", "")
        try SampleGenerator(rows: 5_000, seed: 7).write(to: path)
        let report = try await FocusIngest().ingest(files: [path], into: store)
        #expect(report.periods.map(\.period.description) == ["2024-01", "2024-02", "2024-03"])
        #expect(report.periods.reduce(0) { $0 + $1.rowCount } == 5_000)
        #expect(report.periods[0].totals.map(\.currency) == ["EUR", "USD"])
        #expect(try await store.periods() == report.periods)

        let (original, _) = try Fixtures.readAll(path)
        expectEqual(try await store.read(.all), original)
        #expect(report.periods.map(\.totals) == expectedTotals(original))
        let january = try await store.read(CostFilter(until: Timestamp("2024-02-01")))
        #expect(january.rowCount == report.periods[0].rowCount)
    }

    static func idempotent(_ store: any CostStore) async throws {
        let first = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        let second = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: store)
        #expect(first.periods.map(\.checksum) == second.periods.map(\.checksum))
        #expect(try await store.periods().map(\.rowCount) == [999, 1])
        #expect(try await store.read(.all).rowCount == 1_000)
    }

    static func replaceScope(_ store: any CostStore) async throws {
        let january = Fixtures.file(Fixtures.csv([["BilledCost": "1"], ["BilledCost": "2"]]))
        let february = Fixtures.file(
            Fixtures.csv([["BillingPeriodStart": "2024-02-01", "BillingPeriodEnd": "2024-03-01", "BilledCost": "5"]])
        )
        _ = try await FocusIngest().ingest(files: [january], source: "acme", into: store)
        _ = try await FocusIngest().ingest(files: [february], source: "acme", into: store)
        _ = try await FocusIngest().ingest(files: [january], source: "other", into: store)
        let replacement = Fixtures.file(Fixtures.csv([["BilledCost": "10"]]))
        _ = try await FocusIngest().ingest(files: [replacement], source: "acme", into: store)
        let periods = try await store.periods()
        #expect(
            periods.map { "\($0.period) \($0.source) \($0.totals[0].billedCost)" } == [
                "2024-01 acme 10", "2024-01 other 3", "2024-02 acme 5",
            ]
        )
        #expect(try await store.read(.all).rowCount == 4)
    }

    struct Deliberate: Error {}

    static func bodyThrows(_ store: any CostStore) async throws {
        _ = try await store.replace(period: month(1), source: "s", with: rows(3))
        let before = try await store.periods()
        await #expect(throws: Deliberate.self) {
            try await store.replace(source: "s") { writer in
                try await writer.write(rows(5, month: 1))
                try await writer.write(rows(5, month: 2))
                throw Deliberate()
            }
        }
        #expect(try await store.periods() == before)
        expectEqual(try await store.read(.all), rows(3))
    }

    static func failedIngest(_ store: any CostStore) async throws {
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], source: "s", into: store)
        let before = try await store.periods()
        let bad = Fixtures.file(
            Fixtures.csv(
                (0..<100).map {
                    ["BillingPeriodStart": "2024-09-01", "BillingPeriodEnd": "2024-10-01", "BilledCost": "\($0)"]
                } + [["BilledCost": "oops"]]
            )
        )
        await #expect(throws: IngestError.self) {
            try await FocusIngest().ingest(files: [bad], source: "s", into: store)
        }
        #expect(try await store.periods() == before)
        #expect(try await store.read(.all).rowCount == 1_000)
    }

    static func emptyLoad(_ store: any CostStore) async throws {
        _ = try await store.replace(period: month(1), source: "s", with: rows(2))
        let before = try await store.periods()
        let summaries = try await store.replace(source: "s") { writer in try await writer.write(CostTable()) }
        #expect(summaries.isEmpty)
        #expect(try await store.periods() == before)
        #expect(try await store.read(.all).rowCount == 2)
    }

    static func replaceOnePeriod(_ store: any CostStore) async throws {
        let summary = try await store.replace(period: month(1), source: "api", with: rows(1))
        #expect(summary.rowCount == 1)
        #expect(summary.period == month(1))
        await #expect(throws: CostStoreError.self) {
            try await store.replace(period: month(2), source: "api", with: rows(1))
        }
    }

    static func missingColumns(_ store: any CostStore) async throws {
        _ = try await store.replace(period: month(1), source: "s", with: rows(2))
        let before = try await store.periods()
        for dropped in ["BillingPeriodStart", "BillingCurrency"] {
            let table = rows(2)
            let partial = CostTable(rowCount: 2, columns: table.columns.filter { $0.name != dropped })
            do {
                _ = try await store.replace(source: "s") { try await $0.write(partial) }
                Issue.record("a load without \(dropped) succeeded")
            } catch let error as CostStoreError {
                #expect(error.code == .missingColumn, "\(error)")
                #expect(error.message.contains(dropped))
            }
        }
        var currencies = rows(2)
        currencies = replacing(currencies, "BillingCurrency", strings(["USD", nil]))
        await #expect(throws: CostStoreError.self) {
            try await store.replace(source: "s") { try await $0.write(currencies) }
        }
        #expect(try await store.periods() == before)
    }

    /// Text that breaks naive SQL, COPY, CSV or JSON handling.
    public static let hostileStrings: [String] = [
        "it's", "\"quoted\"", "a;b", "-- comment", "'); DROP TABLE finops.cost_rows; --", "back\\slash", "\\N",
        "\\.", "tab\there", "line\nbreak", "cr\rlf", "", " ", "ünïcødé ✓ 日本語 🦀", "\u{202E}rtl", "$1", "%s",
        "null", "{\"json\": true}", "E'\\x41'", "\\\\", "\\t",
    ]

    static func hostileText(_ store: any CostStore) async throws {
        let hostile = hostileStrings
        let count = hostile.count
        var table = rows(count)
        table = replacing(table, "ChargeDescription", strings(hostile))
        table = replacing(
            table,
            "Tags",
            tags(hostile.indices.map { TagSet([.init(key: hostile[$0], value: .string(hostile[count - 1 - $0]))]) })
        )
        table = adding(table, "x_it's; -- \"odd\"\\\tname ✓", strings(hostile.reversed()))
        for source in hostile where !source.isEmpty {
            let summary = try await store.replace(period: month(1), source: source, with: table)
            #expect(summary.source == source)
        }
        let sources = hostile.filter { !$0.isEmpty }
        #expect(Set(try await store.periods().map(\.source)) == Set(sources))
        for source in sources {
            expectEqual(try await store.read(CostFilter(sources: [source])), table, source)
        }
    }

    static func exactTags(_ store: any CostStore) async throws {
        let sets: [TagSet?] = [
            TagSet([.init(key: "team", value: .string("core")), .init(key: "env", value: .string("prod"))]),
            TagSet([.init(key: "a", value: .string("first")), .init(key: "a", value: .string("second"))]),
            TagSet([
                .init(key: "n", value: .number("1.50")), .init(key: "e", value: .number("1E+2")),
                .init(key: "z", value: .number("-0")),
            ]),
            TagSet([.init(key: "b", value: .bool(true)), .init(key: "n", value: .null)]),
            TagSet([.init(key: "nested", value: .json("{\"x\": [1, 2,3]}"))]),
            TagSet([]),
            nil,
            TagSet([.init(key: "", value: .string(""))]),
            TagSet([.init(key: "bb", value: .number("10")), .init(key: "a", value: .bool(false))]),
            TagSet([.init(key: "a", value: .number("0.5")), .init(key: "bb", value: .string("x"))]),
        ]
        var table = rows(sets.count)
        table = replacing(table, "Tags", tags(sets))
        _ = try await store.replace(period: month(1), source: "tags", with: table)
        expectEqual(try await store.read(.all), table)
    }

    static func extremeValues(_ store: any CostStore) async throws {
        let decimals: [ExactDecimal?] = [
            .greatestFiniteMagnitude, .leastFiniteMagnitude, ExactDecimal(units: 1), ExactDecimal(units: -1), .zero,
            nil, ExactDecimal("-12345.678901234567890123")!, ExactDecimal("99999999999999999999")!,
        ]
        let instants: [Timestamp?] = [
            Timestamp("1969-12-31T23:59:59.999999Z"), Timestamp("2024-02-29T12:34:56.000001Z"), nil,
            Timestamp("1900-01-01T00:00:00Z"), Timestamp("9999-12-31T23:59:59.999999Z"),
            Timestamp("0001-01-01T00:00:00Z"),
            Timestamp("2024-01-01T00:00:00.5Z"), Timestamp("1970-01-01T00:00:00Z"),
        ]
        var table = rows(decimals.count)
        table = replacing(table, "ListCost", .decimal(decimalColumn(decimals)))
        table = replacing(table, "PricingQuantity", .decimal(decimalColumn(decimals.reversed())))
        table = replacing(table, "ChargePeriodStart", .timestamp(timestampColumn(instants)))
        table = replacing(table, "ChargeDescription", strings([nil, "", "x", nil, "", "y", nil, "\\N"]))
        table = adding(table, "x_Amount", .decimal(decimalColumn(decimals)))
        table = adding(table, "x_When", .timestamp(timestampColumn(instants)))
        _ = try await store.replace(period: month(1), source: "extremes", with: table)
        expectEqual(try await store.read(.all), table)
    }

    static func mixedBatches(_ store: any CostStore) async throws {
        var batches: [CostTable] = []
        for batch in 0..<7 {
            var table = rows(30, month: 1 + batch % 2)
            let months = (0..<30).map { 1 + ($0 + batch) % 3 }
            table = replacing(table, "BillingPeriodStart", .timestamp(timestampColumn(months.map { month($0).start })))
            table = replacing(table, "BillingPeriodEnd", .timestamp(timestampColumn(months.map { month($0).end })))
            table = replacing(
                table,
                "BilledCost",
                .decimal(decimalColumn((0..<30).map { ExactDecimal(mantissa: Int64(batch * 1_000 + $0), scale: 3) }))
            )
            batches.append(table)
        }
        let summaries = try await store.replace(source: "mixed") { writer in
            for batch in batches { try await writer.write(batch) }
        }
        #expect(summaries.map(\.period) == [month(1), month(2), month(3)])
        #expect(summaries.map(\.rowCount) == [70, 70, 70])
        let all = CostTable.concatenating(batches)
        for (index, summary) in summaries.enumerated() {
            let starts = all.timestamps("BillingPeriodStart")!
            let expected = all.selecting(
                rows: (0..<all.rowCount).filter { starts.values[$0] == summary.period.start.microsecondsSinceEpoch }
            )
            let read = try await store.read(
                CostFilter(from: summary.period.start, until: summary.period.end, sources: ["mixed"])
            )
            expectEqual(read, expected, "period \(index)")
            #expect(summary.totals == expectedTotals(expected).first)
        }
    }

    static func filters(_ store: any CostStore) async throws {
        for source in ["a", "b", "c"] {
            for number in 1...3 {
                _ = try await store.replace(period: month(number), source: source, with: rows(number, month: number))
            }
        }
        let periods = try await store.periods()
        #expect(periods.map { "\($0.period) \($0.source)" }.first == "2024-01 a")
        #expect(periods.count == 9)
        #expect(periods == periods.sorted { ($0.period, $0.source) < ($1.period, $1.source) })
        #expect(try await store.read(CostFilter(sources: ["b"])).rowCount == 6)
        #expect(try await store.read(CostFilter(from: month(2).start)).rowCount == 15)
        #expect(try await store.read(CostFilter(until: month(2).start, sources: ["a", "c"])).rowCount == 2)
        #expect(try await store.read(CostFilter(sources: ["nobody"])).rowCount == 0)
    }

    static func columnUnion(_ store: any CostStore) async throws {
        let first = adding(rows(2), "x_Only", strings(["p", "q"]))
        let second = CostTable(rowCount: 3, columns: rows(3).columns.filter { $0.name != "ChargeDescription" })
        _ = try await store.replace(source: "u") { writer in
            try await writer.write(first)
            try await writer.write(second)
        }
        let read = try await store.read(.all)
        expectEqual(read, CostTable.concatenating([first, second]))
    }

    static func columnProjection(_ store: any CostStore) async throws {
        let january = adding(rows(5), "x_Owner", strings(["o'1", nil, "o3", "o4", "o5"]))
        _ = try await store.replace(period: month(1), source: "p", with: january)
        _ = try await store.replace(period: month(2), source: "p", with: rows(4, month: 2))
        let full = try await store.read(.all)
        let wanted: Set<String> = ["Tags", "EffectiveCost", "x_Owner", "BillingCurrency", "NoSuchColumn"]
        let projected = try await store.read(CostFilter(columns: wanted.union(["effectivecost"])))
        let expected = CostTable(rowCount: full.rowCount, columns: full.columns.filter { wanted.contains($0.name) })
        #expect(projected.columns.map(\.name) == ["BillingCurrency", "EffectiveCost", "Tags", "x_Owner"])
        expectEqual(projected, expected)
        let none = try await store.read(CostFilter(sources: ["p"], columns: []))
        #expect(none.rowCount == 9)
        #expect(none.columns.isEmpty)
    }

    // MARK: - Tables

    static func month(_ number: Int) -> BillingPeriod {
        BillingPeriod.month(2024, number)!
    }

    /// `count` rows of the mandatory-ish columns, all in one month, with distinct costs.
    public static func rows(_ count: Int, month number: Int = 1) -> CostTable {
        let period = month(number)
        let columns: [(String, CostTable.ColumnData)] = [
            (
                "BilledCost",
                .decimal(decimalColumn((0..<count).map { ExactDecimal(mantissa: Int64($0 + 1), scale: 2) }))
            ),
            ("BillingAccountId", strings((0..<count).map { "acct-\($0 % 3)" })),
            ("BillingCurrency", strings((0..<count).map { $0 % 4 == 3 ? "EUR" : "USD" })),
            ("BillingPeriodStart", .timestamp(timestampColumn(Array(repeating: period.start, count: count)))),
            ("BillingPeriodEnd", .timestamp(timestampColumn(Array(repeating: period.end, count: count)))),
            (
                "ChargePeriodStart",
                .timestamp(
                    timestampColumn(
                        (0..<count).map {
                            Timestamp(
                                microsecondsSinceEpoch: period.start.microsecondsSinceEpoch + Int64($0) * 3_600_000_000
                            )
                        }
                    )
                )
            ),
            ("ChargeDescription", strings((0..<count).map { "row \($0)" })),
            ("EffectiveCost", .decimal(decimalColumn((0..<count).map { ExactDecimal(mantissa: Int64($0), scale: 6) }))),
            ("Tags", tags((0..<count).map { TagSet([.init(key: "row", value: .number("\($0)"))]) })),
        ]
        return CostTable(rowCount: count, columns: columns.map { CostTable.Column(name: $0.0, data: $0.1) })
    }

    public static func strings(_ values: [String?]) -> CostTable.ColumnData {
        var dictionary: [String] = []
        var codes: [String: UInt32] = [:]
        let column = values.map { value -> UInt32 in
            guard let value else { return StringColumn.nullCode }
            if let code = codes[value] { return code }
            dictionary.append(value)
            codes[value] = UInt32(dictionary.count - 1)
            return UInt32(dictionary.count - 1)
        }
        return .string(StringColumn(codes: column, dictionary: dictionary))
    }

    public static func tags(_ values: [TagSet?]) -> CostTable.ColumnData {
        var sets: [TagSet] = []
        let codes = values.map { value -> UInt32 in
            guard let value else { return TagColumn.nullCode }
            sets.append(value)
            return UInt32(sets.count - 1)
        }
        return .tags(TagColumn(codes: codes, sets: sets))
    }

    public static func decimalColumn(_ values: [ExactDecimal?]) -> DecimalColumn {
        var nulls = NullMask()
        for value in values { nulls.append(value == nil) }
        return DecimalColumn(values: values.map { $0 ?? .zero }, nulls: nulls.containsNull ? nulls : nil)
    }

    public static func timestampColumn(_ values: [Timestamp?]) -> TimestampColumn {
        var nulls = NullMask()
        for value in values { nulls.append(value == nil) }
        return TimestampColumn(
            values: values.map { $0?.microsecondsSinceEpoch ?? 0 },
            nulls: nulls.containsNull ? nulls : nil
        )
    }

    static func replacing(_ table: CostTable, _ name: String, _ data: CostTable.ColumnData) -> CostTable {
        CostTable(
            rowCount: table.rowCount,
            columns: table.columns.map { $0.name == name ? CostTable.Column(name: name, data: data) : $0 }
        )
    }

    public static func adding(_ table: CostTable, _ name: String, _ data: CostTable.ColumnData) -> CostTable {
        CostTable(rowCount: table.rowCount, columns: table.columns + [CostTable.Column(name: name, data: data)])
    }

    // MARK: - Comparing

    /// Expects the same columns in the same order with the same cells (decimals, instants and tags exactly).
    public static func expectEqual(
        _ actual: CostTable,
        _ expected: CostTable,
        _ comment: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            actual.columns.map(\.name) == expected.columns.map(\.name),
            "columns \(comment)",
            sourceLocation: sourceLocation
        )
        #expect(actual.rowCount == expected.rowCount, "rows \(comment)", sourceLocation: sourceLocation)
        guard actual.rowCount == expected.rowCount else { return }
        for column in expected.columns {
            guard let other = actual.column(named: column.name) else { continue }
            let want = cells(column, rows: expected.rowCount)
            let got = cells(other, rows: actual.rowCount)
            if want != got {
                let row = want.indices.first { want[$0] != got[$0] } ?? 0
                Issue.record(
                    "column \(column.name) \(comment): row \(row) is \(got[row]), expected \(want[row])",
                    sourceLocation: sourceLocation
                )
            }
        }
    }

    /// The cells of a column as comparable text (`∅` for null), with the kind, so a text "1" differs from 1.
    public static func cells(_ column: CostTable.Column, rows: Int) -> [String] {
        (0..<rows).map { row in
            switch column.data {
            case .string(let values): values[row].map { "s:" + $0 } ?? "∅"
            case .decimal(let values): values[row].map { "d:\($0)" } ?? "∅"
            case .timestamp(let values): values[row].map { "t:\($0.microsecondsSinceEpoch)" } ?? "∅"
            case .tags(let values): values[row].map { "g:\($0.tags)" } ?? "∅"
            }
        }
    }

    /// Exact totals per period (in period order) and currency, computed from the rows.
    static func expectedTotals(_ table: CostTable) -> [[CurrencyTotals]] {
        let starts = table.timestamps("BillingPeriodStart")!
        let currencies = table.strings("BillingCurrency")!
        var byPeriod: [Int64: [String: CurrencyTotals]] = [:]
        for row in 0..<table.rowCount {
            let currency = currencies[row]!
            var totals = byPeriod[starts.values[row], default: [:]][currency] ?? CurrencyTotals(currency: currency)
            totals.rowCount += 1
            totals.billedCost += table.decimals("BilledCost")?[row] ?? .zero
            totals.effectiveCost += table.decimals("EffectiveCost")?[row] ?? .zero
            totals.listCost += table.decimals("ListCost")?[row] ?? .zero
            totals.contractedCost += table.decimals("ContractedCost")?[row] ?? .zero
            byPeriod[starts.values[row], default: [:]][currency] = totals
        }
        return byPeriod.keys.sorted().map { key in byPeriod[key]!.values.sorted { $0.currency < $1.currency } }
    }
}
