import FinOpsCore
import Foundation
import PivotKit
import Testing

@Suite("Pivots over a stored period file")
struct StoredPivotTests {
    @Test("a filter's top-level time comparisons become ranges; OR, NOT and other columns narrow nothing")
    func timeRanges() throws {
        let february = Timestamp("2024-02-01")!..<Timestamp("2024-03-01")!
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            filter: try PivotSyntax.filter(
                "ChargePeriodStart >= '2024-02-01' AND RegionId = 'x' AND ChargePeriodStart < '2024-03-01'"
            )
        )
        #expect(query.timeRanges == ["ChargePeriodStart": february])
        let between = PivotQuery(
            rows: [],
            filter: try PivotSyntax.filter("ChargePeriodEnd BETWEEN '2024-02-01' AND '2024-02-29T23:59:59.999999Z'")
        )
        #expect(between.timeRanges == ["ChargePeriodEnd": february])
        let open = PivotQuery(
            rows: [],
            filter: try PivotSyntax.filter("ChargePeriodStart > '2024-01-31T23:59:59.999999Z'")
        )
        #expect(open.timeRanges["ChargePeriodStart"]?.lowerBound == february.lowerBound)
        for text in [
            "ChargePeriodStart >= '2024-02-01' OR RegionId = 'x'", "NOT ChargePeriodStart < '2024-02-01'",
            "x_When >= '2024-02-01'", "ChargePeriodStart != '2024-02-01'",
        ] {
            #expect(PivotQuery(rows: [], filter: try PivotSyntax.filter(text)).timeRanges.isEmpty, "\(text)")
        }
    }

    @Test("chunks outside a query's time range are skipped by their zone maps, with the same cells as in memory")
    func zoneMaps() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zones-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try EmbeddedCostStore(directory: directory)
        let table = PivotFixtures.focusSample
        // Three chunks (one batch each): the sample's rows with their charge periods moved into three ranges of days.
        let starts = try #require(table.timestamps("ChargePeriodStart"))
        let day: Int64 = 86_400_000_000
        let base = Timestamp("2024-09-01")!.microsecondsSinceEpoch
        var batches: [CostTable] = []
        for chunk in 0..<3 {
            let rows = Array(stride(from: chunk, to: table.rowCount, by: 3))
            var moved = TimestampColumn(
                values: rows.map { base + (Int64(chunk) * 10 + Int64($0 % 10)) * day },
                nulls: starts.nulls.map { mask in
                    var subset = NullMask()
                    for row in rows { subset.append(mask[row]) }
                    return subset
                }
            )
            if chunk == 2 { moved.nulls = nil }
            let selected = table.selecting(rows: rows)
            batches.append(
                CostTable(
                    rowCount: rows.count,
                    columns: selected.columns.map { column in
                        column.name == "ChargePeriodStart" ? .init(name: column.name, data: .timestamp(moved)) : column
                    }
                )
            )
        }
        _ = try await store.replace(source: "zones") { writer in
            for batch in batches { try await writer.write(batch) }
        }
        let all = CostTable.concatenating(batches)
        let query = PivotQuery(
            rows: [.column("BillingCurrency"), .time("ChargePeriodStart", .day)],
            measures: [.sum("BilledCost"), .count],
            filter: try PivotSyntax.filter("ChargePeriodStart >= '2024-09-12' AND ChargePeriodStart < '2024-09-15'"),
            totals: .grand
        )
        #expect(try !query.run(on: all).cells.isEmpty)
        #expect(try await store.pivot(query).cells == query.run(on: all).cells)
        let read = try await store.read(CostFilter(columns: ["BilledCost"], timeRanges: query.timeRanges))
        #expect(read.rowCount == batches[1].rowCount, "only the second chunk can hold such rows")
        let none = try await store.read(
            CostFilter(timeRanges: ["ChargePeriodStart": Timestamp("2030-01-01")!..<Timestamp("2030-02-01")!])
        )
        #expect(none.rowCount == 0)
        let missing = try await store.read(
            CostFilter(timeRanges: ["x_Never": Timestamp("2024-01-01")!..<Timestamp("2025-01-01")!])
        )
        #expect(missing.rowCount == 0, "a column no row holds is null everywhere")
    }
}
