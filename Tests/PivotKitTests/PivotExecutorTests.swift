import FinOpsCore
import PivotKit
import Testing

@Suite("Pivot executor")
struct PivotExecutorTests {
    @Test("sums over the FOCUS sample are exact, and subtotals add up exactly to the grand total")
    func exactTotals() throws {
        let query = PivotQuery(
            rows: [.column("ProviderName"), .column("ServiceCategory")],
            measures: [.sum("BilledCost"), .sum("ListCost"), .count],
            totals: .all
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        let grand = try #require(result.grandTotal)
        #expect(
            grand.measures == [
                .decimal(try .parse("20.52022672899")), .decimal(try .parse("20.39090575119")), .integer(1_000),
            ]
        )
        // Provider subtotals add up to the grand total, and each provider's groups to its subtotal.
        let providerTotals = result.cells.filter { $0.rowValues[0] != nil && $0.rowValues[1] == nil }
        #expect(providerTotals.count == 3)
        #expect(sum(providerTotals, 0) == grand.measures[0])
        for subtotal in providerTotals {
            let members = result.groups.filter { $0.rowValues[0] == subtotal.rowValues[0] }
            #expect(sum(members, 0) == subtotal.measures[0])
            #expect(sum(members, 1) == subtotal.measures[1])
        }
    }

    @Test("money measures never add different currencies")
    func currencies() throws {
        let table = PivotFixtures.generated
        #expect(throws: PivotError.self) {
            try PivotQuery(rows: [.column("ProviderName")], measures: [.sum("BilledCost")]).run(on: table)
        }
        let split = try PivotQuery(rows: [.column("BillingCurrency")], measures: [.sum("BilledCost")]).run(on: table)
        #expect(split.cells.map { $0.rowValues[0]?.description } == ["EUR", "USD"])
        let filtered = PivotQuery(
            rows: [.column("ProviderName")],
            measures: [.sum("BilledCost")],
            filter: .compare(.column("BillingCurrency"), .equal, .text("USD"))
        )
        #expect(try filtered.run(on: table).cells.count == 3)
        #expect(try PivotQuery(rows: [.column("ProviderName")], measures: [.count]).run(on: table).cells.count == 3)
    }

    @Test("time buckets follow the query's time zone; weeks are ISO weeks")
    func timeZones() throws {
        let table = PivotFixtures.generated
        let utc = try PivotQuery(rows: [.time("ChargePeriodStart", .month)], totals: .none).run(on: table)
        #expect(utc.cells.map { $0.rowValues[0]!.description } == ["2024-01", "2024-02", "2024-03"])
        let tokyo = try PivotQuery(rows: [.time("ChargePeriodStart", .month)], timeZone: "Asia/Tokyo").run(on: table)
        // Tokyo is 9 hours ahead: the last hours of March UTC fall into April there.
        #expect(tokyo.cells.map { $0.rowValues[0]!.description } == ["2024-01", "2024-02", "2024-03", "2024-04"])
        let weeks = try PivotQuery(rows: [.time("ChargePeriodStart", .week)]).run(on: table)
        #expect(weeks.cells.first?.rowValues[0]?.description == "2024-W01")
        #expect(throws: PivotError.self) {
            try PivotQuery(rows: [.column("ServiceName")], timeZone: "Mars/Olympus").run(on: table)
        }
    }

    @Test("percentiles interpolate between neighbours exactly")
    func percentiles() throws {
        let table = PivotFixtures.focusSample
        let query = PivotQuery(
            rows: [],
            measures: [
                .percentile("BilledCost", 50), .percentile("BilledCost", 99), .min("BilledCost"), .max("BilledCost"),
            ],
            filter: .compare(.column("ProviderName"), .equal, .text("Oracle"))
        )
        // Oracle's 7 BilledCost values sorted: 0, 0.00107392473, 0.012, 0.012, 0.08, 0.192, 0.24.
        let cell = try #require(try query.run(on: table).cells.first)
        #expect(cell.measures[0] == .decimal(try .parse("0.012")))
        // Position 6 × 0.99 = 5.94: 0.192 + (0.24 − 0.192) × 0.94 = 0.23712.
        #expect(cell.measures[1] == .decimal(try .parse("0.23712")))
        #expect(cell.measures[2] == .decimal(.zero))
    }

    @Test("clear errors for unknown or mistyped columns")
    func errors() {
        let table = PivotFixtures.focusSample
        #expect(throws: PivotError("no column servicename; did you mean ServiceName?")) {
            try PivotQuery(rows: [.column("servicename")]).run(on: table)
        }
        #expect(throws: PivotError.self) { try PivotQuery(rows: [.column("BilledCost")]).run(on: table) }
        #expect(throws: PivotError.self) {
            try PivotQuery(rows: [.column("ServiceName")], measures: [.sum("ServiceName")]).run(on: table)
        }
        #expect(throws: PivotError.self) {
            try PivotQuery(rows: [], filter: .compare(.column("BilledCost"), .equal, .text("abc"))).run(on: table)
        }
    }

    @Test("a grand total exists even when no row passes the filter")
    func emptySelection() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            measures: [.count, .sum("BilledCost"), .max("BilledCost")],
            filter: .compare(.column("ServiceName"), .equal, .text("nothing")),
            totals: .grand
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        #expect(result.cells.count == 1)
        #expect(result.grandTotal?.measures == [.integer(0), .decimal(.zero), .null])
    }

    @Test("renderers: CSV with every digit, crosstab table, JSON with decimals as strings")
    func rendering() throws {
        let query = PivotQuery(
            rows: [.tag("environment")],
            columns: [.column("ProviderName")],
            measures: [.sum("ListCost")],
            totals: .grand
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        let csv = result.csv()
        #expect(csv.hasPrefix("tag(environment),ProviderName,sum(ListCost)\n"))
        #expect(csv.contains("(untagged),Microsoft,1.97651418586\n"))
        #expect(csv.contains("(total),(total),20.39090575119\n"))
        let table = result.table()
        #expect(table.split(separator: "\n").first?.contains("AWS sum(ListCost)") == true)
        #expect(table.contains("(untagged)"))
        #expect(try result.json().contains("\"sum(ListCost)\" : \"20.39090575119\""))
    }

    @Test("a result without cells still heads its measures in every format")
    func emptyResult() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            measures: [.sum("BilledCost"), .count],
            filter: .compare(.column("ServiceName"), .equal, .text("no such service"))
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        #expect(result.cells.isEmpty)
        #expect(result.csv() == "ServiceName,sum(BilledCost),count()\n")
        #expect(result.table() == "ServiceName  sum(BilledCost)  count()")
    }

    @Test("HTML: a self-contained page, values escaped, totals marked")
    func html() throws {
        let query = PivotQuery(
            rows: [.column("ProviderName")],
            columns: [.tag("environment")],
            measures: [.sum("BilledCost")],
            totals: .grand
        )
        let page = try query.run(on: PivotFixtures.focusSample).html(title: "Costs <by> provider & env")
        #expect(page.hasPrefix("<!doctype html>"))
        #expect(page.contains("<title>Costs &lt;by&gt; provider &amp; env</title>"))
        #expect(page.contains("<th class=\"n\">dev sum(BilledCost)</th>"))
        #expect(page.contains("<tr class=\"total\"><td>(total)</td>"))
        #expect(page.contains("<td class=\"n\">20.52022672899</td>"))
        #expect(!page.contains("<script"))
    }

    private func sum(_ cells: [PivotResult.Cell], _ measure: Int) -> MeasureValue {
        var total = ExactDecimal.zero
        for cell in cells {
            if case .decimal(let value) = cell.measures[measure] { total = total + value }
        }
        return .decimal(total)
    }
}

@Suite("Pivot approximate distinct counts")
struct PivotApproximateTests {
    @Test("HyperLogLog estimates stay within a few standard errors of the exact counts, totals included")
    func withinError() throws {
        let query = PivotQuery(
            rows: [.column("ProviderName")],
            measures: [
                .countDistinct("ResourceId"), .approxCountDistinct("ResourceId"), .approxCountDistinct("SubAccountId"),
            ],
            totals: .grand
        )
        let result = try query.run(on: PivotFixtures.generated)
        #expect(result.cells.count == 4)
        for cell in result.cells {
            guard case .integer(let exact) = cell.measures[0], case .integer(let estimate) = cell.measures[1] else {
                Issue.record("not counts: \(cell)")
                continue
            }
            // 1.6% standard error; 4 standard errors leave no room for flakiness with a fixed data set.
            #expect(abs(Double(estimate - exact)) <= 0.065 * Double(exact), "\(cell)")
        }
        // Small cardinalities go through linear counting: within a few values.
        let exactSubAccounts = try PivotQuery(
            rows: [.column("ProviderName")],
            measures: [.countDistinct("SubAccountId")]
        )
        .run(on: PivotFixtures.generated).cells.map(\.measures[0])
        for (estimate, exact) in zip(result.groups.map(\.measures[2]), exactSubAccounts) {
            guard case .integer(let e) = estimate, case .integer(let x) = exact else {
                Issue.record("not counts: \(estimate), \(exact)")
                continue
            }
            #expect(abs(e - x) <= Swift.max(2, x / 30), "\(e) vs \(x)")
        }
        #expect(try PivotSyntax.measures("approx_count_distinct(ResourceId)") == [.approxCountDistinct("ResourceId")])
    }
}

extension PivotExecutorTests {
    @Test("a tag whose value is JSON null is untagged, in groups and in filters")
    func jsonNullTag() throws {
        let sets = [
            TagSet([TagSet.Tag(key: "team", value: .null)]),
            TagSet([TagSet.Tag(key: "team", value: .string("core"))]),
            TagSet([TagSet.Tag(key: "env", value: .string("prod"))]),
        ]
        let table = CostTable(
            rowCount: 4,
            columns: [
                CostTable.Column(
                    name: "Tags",
                    data: .tags(TagColumn(codes: [0, 1, 2, TagColumn.nullCode], sets: sets))
                )
            ]
        )
        let groups = try PivotQuery(rows: [.tag("team")], measures: [.count]).run(on: table)
        #expect(groups.cells.map(\.rowValues) == [[.text("core")], [.null]])
        #expect(groups.cells.map(\.measures) == [[.integer(1)], [.integer(3)]])
        let untagged = try PivotQuery(rows: [], measures: [.count], filter: try PivotSyntax.filter("tag(team) is null"))
            .run(on: table)
        #expect(untagged.cells.map(\.measures) == [[.integer(3)]])
    }
}

extension PivotExecutorTests {
    @Test("a query names the columns it reads, so a store can read only those")
    func columnsRead() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName"), .tag("team")],
            columns: [.time("ChargePeriodStart", .month)],
            measures: [.ratio(.sum("EffectiveCost"), .sum("ListCost")), .count],
            filter: try PivotSyntax.filter("RegionId ~ '^us' and not x_Owner is null"),
            having: try PivotSyntax.having("p90(BilledCost) > 1"),
            sort: [.measure(.max("ContractedCost"), descending: true)]
        )
        #expect(
            query.columnsRead == [
                "BillingCurrency", "ServiceName", "Tags", "ChargePeriodStart", "EffectiveCost", "ListCost", "RegionId",
                "x_Owner", "BilledCost", "ContractedCost",
            ]
        )
        let small = PivotQuery(
            rows: [.column("BillingCurrency"), .tag("environment")],
            measures: [.sum("BilledCost")],
            totals: .all
        )
        let all = PivotFixtures.generated
        let narrow = CostTable(
            rowCount: all.rowCount,
            columns: all.columns.filter { small.columnsRead?.contains($0.name) ?? true }
        )
        #expect(narrow.columns.count == 3)
        #expect(try small.run(on: narrow).cells == small.run(on: all).cells)
    }
}
