import CostStoreConformance
import FinOpsCore
import FinOpsTestSupport
import Foundation
import PGStore
import PivotKit
import Testing

/// Pivots run on PostgreSQL against the same rows held in memory: every cell must be equal, exactly.
@Suite("Pivot push-down", .postgres)
struct PivotPushDownTests {
    /// Deterministic rows over two billing periods, with nulls, tags present or not, and an extra column.
    static func rows(count: Int) -> [[String: String]] {
        var generator = SplitMix(seed: 42)
        let services = [
            ("Amazon EC2", "Compute"), ("Amazon S3", "Storage"), ("Amazon RDS", "Databases"),
            ("AWS Lambda", "Compute"), ("Amazon CloudFront", "Networking"), ("Ünïcode 'quoted'; --svc", "Other"),
        ]
        let regions = ["us-east-1", "eu-west-1", "ap-south-1", ""]
        let teams = ["core", "data", "web", "it's"]
        var rows: [[String: String]] = []
        for index in 0..<count {
            let month = 1 + generator.next(2)
            let day = 1 + generator.next(28)
            let hour = generator.next(24)
            let start = String(format: "2024-%02d-%02dT%02d:00:00Z", month, day, hour)
            let end = String(format: "2024-%02d-%02dT%02d:59:59Z", month, day, hour)
            let (service, category) = services[generator.next(services.count)]
            func amount() -> String {
                let units = generator.next(5_000_000)
                return "\(units / 1_000_000).\(String(format: "%06d", units % 1_000_000))"
            }
            var tags = "{}"
            switch generator.next(3) {
            case 0:
                tags =
                    #"{"team":"\#(teams[generator.next(teams.count)].replacingOccurrences(of: "\"", with: "\\\""))"}"#
            case 1: tags = #"{"team":"\#(teams[generator.next(teams.count)])","env":"prod"}"#
            case 2 where generator.next(4) == 0: tags = #"{"team":null,"env":"dev"}"#
            default: break
            }
            rows.append([
                "BilledCost": amount(), "EffectiveCost": amount(), "ListCost": generator.next(10) == 0 ? "" : amount(),
                "BillingAccountId": "A\(1 + generator.next(3))", "BillingCurrency": "USD",
                "BillingPeriodStart": String(format: "2024-%02d-01T00:00:00Z", month),
                "BillingPeriodEnd": String(format: "2024-%02d-01T00:00:00Z", month + 1),
                "ChargePeriodStart": start, "ChargePeriodEnd": end,
                "ChargeCategory": generator.next(8) == 0 ? "Tax" : "Usage",
                "ServiceName": service, "ServiceCategory": category,
                "RegionId": regions[generator.next(regions.count)],
                "ResourceId": "r-\(generator.next(400))", "Tags": tags,
                "x_Owner": generator.next(4) == 0 ? "" : "owner\(index % 5)",
            ])
        }
        return rows
    }

    /// The rows in memory, read through the CSV reader, and in a migrated database through parameterized inserts.
    static func load(_ rows: [[String: String]], into connection: PostgresConnection) async throws -> CostTable {
        let extra = ["RegionId", "ResourceId", "x_Owner"]
        let path = Fixtures.file(Fixtures.csv(rows, extraColumns: extra))
        let table = try Fixtures.readAll(path).0
        try await PostgresMigrator().migrate(connection)
        for month in [1, 2] { try await connection.query(CostSchema.partitionDDL(for: .month(2024, month)!)) }
        let focus = Fixtures.defaultRow.map(\.0) + ["RegionId", "ResourceId"]
        let columns =
            ["source", "billing_period"] + focus.map { $0 == "Tags" ? "tags" : CostSchema.columnName($0) } + ["extra"]
        let batch = 100
        for start in stride(from: 0, to: rows.count, by: batch) {
            var values: [PostgresValue?] = []
            var tuples: [String] = []
            for row in rows[start..<min(start + batch, rows.count)] {
                var placeholders: [String] = []
                func bind(_ value: PostgresValue?) {
                    values.append(value)
                    placeholders.append("$\(values.count)")
                }
                bind(.text("generated"))
                bind(.date(Timestamp(row["BillingPeriodStart"]!)!))
                for name in focus {
                    let text = row[name] ?? Dictionary(uniqueKeysWithValues: Fixtures.defaultRow)[name] ?? ""
                    guard !text.isEmpty else {
                        bind(nil)
                        continue
                    }
                    switch FocusSchema.column(named: name)?.dataType {
                    case .decimal?: bind(.decimal(try ExactDecimal.parse(text)))
                    case .dateTime?: bind(.timestamp(Timestamp(text)!))
                    case .tags?: bind(.jsonb(text))
                    default: bind(.text(text))
                    }
                }
                let owner = row["x_Owner"] ?? ""
                bind(owner.isEmpty ? .jsonb("{}") : .jsonb(#"{"x_Owner":"\#(owner)"}"#))
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            try await connection.query(
                "INSERT INTO \(CostSchema.costTable) (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))",
                values
            )
        }
        return table
    }

    static func queries() throws -> [(String, PivotQuery)] {
        func query(
            rows: String,
            columns: String = "",
            measures: String,
            filter: String? = nil,
            having: String? = nil,
            totals: PivotTotals = .none,
            top: TopN? = nil,
            zone: String = "UTC"
        ) throws -> PivotQuery {
            PivotQuery(
                rows: rows.isEmpty ? [] : try PivotSyntax.dimensions(rows),
                columns: columns.isEmpty ? [] : try PivotSyntax.dimensions(columns),
                measures: try PivotSyntax.measures(measures),
                filter: try filter.map { text throws in try PivotSyntax.filter(text) },
                totals: totals,
                timeZone: zone,
                having: try having.map { text throws in try PivotSyntax.having(text) },
                top: top
            )
        }
        return [
            ("sums by service", try query(rows: "ServiceName", measures: "sum(EffectiveCost), count()")),
            (
                "rollup with all totals",
                try query(
                    rows: "ServiceCategory,ServiceName",
                    measures: "sum(BilledCost), min(ListCost), max(ListCost), avg(EffectiveCost)",
                    totals: .all
                )
            ),
            (
                "crosstab by month in Paris with grand totals",
                try query(
                    rows: "BillingAccountId",
                    columns: "month(ChargePeriodStart)",
                    measures: "sum(EffectiveCost)",
                    totals: .grand,
                    zone: "Europe/Paris"
                )
            ),
            (
                "weeks and days in New York",
                try query(
                    rows: "week(ChargePeriodStart),day(ChargePeriodStart)",
                    measures: "count()",
                    zone: "America/New_York"
                )
            ),
            (
                "tags with untagged rows",
                try query(rows: "tag(team),tag(env)", measures: "sum(BilledCost)", totals: .all)
            ),
            ("an extra column", try query(rows: "x_Owner", measures: "count_distinct(ResourceId), sum(ListCost)")),
            ("nulls in a dimension", try query(rows: "RegionId", measures: "count(), avg(ListCost)", totals: .grand)),
            (
                "filters of every kind",
                try query(
                    rows: "ServiceName",
                    measures: "sum(EffectiveCost)",
                    filter:
                        "ChargeCategory = 'Usage' and RegionId in ('us-east-1', 'eu-west-1') and ChargePeriodStart >= '2024-01-15' and not ServiceName like 'AWS%' and ListCost is not null"
                )
            ),
            (
                "or, between and tags in filters",
                try query(
                    rows: "BillingAccountId",
                    measures: "count()",
                    filter: "tag(team) = 'it''s' or BilledCost between 1 and 2 or RegionId is null"
                )
            ),
            (
                "regular expressions on columns and tags",
                try query(
                    rows: "ServiceName",
                    measures: "count()",
                    filter: "RegionId ~ '^(us|eu)-[a-z]+-1$' or tag(team) !~ '(?i)^[a-m]'"
                )
            ),
            (
                "percentiles",
                try query(
                    rows: "ServiceCategory",
                    measures: "p50(EffectiveCost), p90(EffectiveCost), p99(BilledCost)",
                    totals: .grand
                )
            ),
            (
                "having on sums and derived measures",
                try query(
                    rows: "ServiceName",
                    measures: "sum(EffectiveCost), pct_of_total(sum(EffectiveCost))",
                    having: "sum(EffectiveCost) > 100 and pct_of_total(sum(EffectiveCost)) >= 10"
                )
            ),
            (
                "ratios, differences and percentages of parent and column",
                try query(
                    rows: "ServiceCategory,ServiceName",
                    columns: "BillingAccountId",
                    measures:
                        "ratio(sum(EffectiveCost), sum(ListCost)), diff(sum(BilledCost), sum(EffectiveCost)), pct_of_parent(sum(BilledCost)), pct_of_column(sum(BilledCost))",
                    totals: .all
                )
            ),
            (
                "period over period",
                try query(
                    rows: "ServiceName,month(ChargePeriodStart)",
                    measures: "sum(BilledCost), change(sum(BilledCost)), pct_change(sum(BilledCost))"
                )
            ),
            (
                "top 3 services per account with Others and totals",
                try query(
                    rows: "BillingAccountId,ServiceName",
                    measures: "sum(EffectiveCost), count(), avg(ListCost), min(ListCost), max(BilledCost)",
                    totals: .all,
                    top: TopN(3, by: .sum("EffectiveCost"))
                )
            ),
            (
                "top 2 with a column split",
                try query(
                    rows: "ServiceName",
                    columns: "month(ChargePeriodStart)",
                    measures: "sum(BilledCost)",
                    totals: .grand,
                    top: TopN(2, by: .sum("BilledCost"))
                )
            ),
            (
                "top 2 regions per account, a null region among them",
                try query(
                    rows: "BillingAccountId,RegionId",
                    measures: "sum(BilledCost), count_distinct(ResourceId)",
                    totals: .all,
                    top: TopN(2, by: .sum("BilledCost"))
                )
            ),
            (
                "top 2 services ranked by their average",
                try query(
                    rows: "ServiceName",
                    measures: "avg(ListCost), count()",
                    totals: .grand,
                    top: TopN(2, by: .avg("ListCost"))
                )
            ),
            ("no dimensions", try query(rows: "", measures: "sum(BilledCost), count(), avg(ListCost), p50(ListCost)")),
        ]
    }

    @Test("every query shape gives the same cells on the server as in memory")
    func differential() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let connection = try await PostgresConnection.connect(conninfo)
            let table = try await Self.load(Self.rows(count: 3_000), into: connection)
            for (name, query) in try Self.queries() {
                let expected = try query.run(on: table)
                #expect(!expected.cells.isEmpty, "\(name): no cells to compare")
                let actual = try await connection.pivot(query)
                #expect(actual.cells.count == expected.cells.count, "\(name): cell count")
                for (lhs, rhs) in zip(actual.cells, expected.cells) where lhs != rhs {
                    Issue.record("\(name): server \(lhs) ≠ memory \(rhs)")
                    break
                }
            }
        }
    }

    @Test("a store answers every pivot: on the server when it compiles, else in memory over the columns it reads")
    func storePivot() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let store = try await PostgresCostStore.open(conninfo)
            do {
                let rows = CostStoreConformance.rows(40)
                _ = try await store.replace(period: BillingPeriod.month(2024, 1)!, source: "s", with: rows)
                for query in [
                    PivotQuery(rows: [.column("BillingCurrency")], measures: [.sum("BilledCost"), .count]),
                    PivotQuery(
                        rows: [.column("BillingAccountId")],
                        measures: [.approxCountDistinct("ChargeDescription")]
                    ),
                ] {
                    #expect(try await store.pivot(query).cells == query.run(on: rows).cells, "\(query.measures)")
                }
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    @Test("opened by location and held as any CostStore, the store still answers pivots on the server")
    func pushDownThroughAnyCostStore() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            var opener = CostStoreOpener()
            opener.registerPostgres()
            let store: any CostStore = try await opener.open(StoreLocation(conninfo))
            do {
                let rows = CostStoreConformance.rows(40)
                let period = BillingPeriod.month(2024, 1)!
                _ = try await store.replace(period: period, source: "a", with: rows)
                _ = try await store.replace(period: period, source: "b", with: rows.selecting(rows: Array(0..<10)))
                let query = PivotQuery(rows: [.column("BillingCurrency")], measures: [.sum("BilledCost"), .count])
                let all = try await store.evaluateInMemory(query, over: .all)
                #expect(all.cells.map(\.measures[1]) == [.integer(12), .integer(38)])  // EUR, USD over both sources
                #expect(try await store.pivot(query).cells == all.cells)
                for scope in [CostFilter(sources: ["a"]), CostFilter(from: period.end), CostFilter(until: period.end)] {
                    let expected = try await store.evaluateInMemory(query, over: scope)
                    #expect(try await store.pivot(query, over: scope).cells == expected.cells, "\(scope)")
                }
                // With the manifest emptied a read finds no period, yet the pivot still sums every row of the cost
                // table: it was answered by a statement on the server, not by reading the rows back.
                let admin = try await PostgresConnection.connect(conninfo)
                try await admin.query("DELETE FROM \(CostSchema.manifestTable)")
                await admin.close()
                #expect(try await store.read(.all).rowCount == 0)
                #expect(try await store.pivot(query).cells == all.cells)
            } catch {
                await store.close()
                throw error
            }
            await store.close()
        }
    }

    @Test("a query PostgreSQL cannot answer exactly is refused before anything is sent")
    func refused() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let connection = try await PostgresConnection.connect(conninfo)
            try await PostgresMigrator().migrate(connection)
            await #expect(throws: PivotError.self) {
                try await connection.pivot(
                    PivotQuery(rows: [.column("ServiceName")], measures: [.approxCountDistinct("ResourceId")])
                )
            }
        }
    }
}

/// A small deterministic generator, so the rows (and any failure) are the same on every run.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return Int(value % UInt64(bound))
    }
}
