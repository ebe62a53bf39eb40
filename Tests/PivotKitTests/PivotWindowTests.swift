import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@testable import PivotKit

/// A pivot fed its rows a window at a time (as a store reads them) gives the cells of one pass over all of them.
@Suite("Pivots over windows of rows")
struct PivotWindowTests {
    /// The table's rows cut at the given row numbers; `selecting` keeps the dictionaries, as a store's windows do.
    private func windows(_ table: CostTable, cuts: [Int]) -> [CostTable] {
        let bounds = [0] + cuts.sorted() + [table.rowCount]
        return zip(bounds, bounds.dropFirst()).map { table.selecting(rows: Array($0..<$1)) }
    }

    private func windowed(_ query: PivotQuery, _ windows: [CostTable]) throws -> PivotResult {
        var executor = try PivotExecutor(query: query)
        for window in windows { try executor.aggregate(window) }
        return try executor.result()
    }

    @Test("groups merged window by window by their members' values equal one pass, time buckets and tags included")
    func windowsEqualOnePass() throws {
        let table = PivotFixtures.generated
        var random = SeededRandom(seed: 7)
        for round in 0..<30 {
            var query = PivotFixtures.randomQuery(&random)
            if round % 3 == 0 { query.columns = [.time("ChargePeriodStart", .month)] }
            if round % 4 == 1 { query.top = TopN(2, by: .count) }
            if query.top != nil, !query.measures.contains(.count) { query.measures.append(.count) }
            if query.top != nil, query.rows.count < 2 { query.rows.append(.column("ServiceName")) }
            query.tuning = ExecutionTuning(parallelThreshold: 2_000, chunkRows: 500)
            let whole = try query.run(on: table)
            let cuts = (0..<(1 + random.next(5))).map { _ in random.next(table.rowCount) }
            let merged = try windowed(query, windows(table, cuts: cuts))
            #expect(merged.cells == whole.cells, "\(query) cut at \(cuts.sorted())")
        }
    }

    @Test("a window of no rows changes nothing, and a pivot of only such a window still has its grand total")
    func emptyWindows() throws {
        let table = PivotFixtures.generated
        let query = PivotQuery(
            rows: [.column("BillingCurrency"), .time("ChargePeriodStart", .day)],
            measures: [.sum("EffectiveCost"), .countDistinct("ResourceId")],
            totals: .grand
        )
        let whole = try query.run(on: table)
        #expect(try windowed(query, windows(table, cuts: [0, 0, 5_000, table.rowCount])).cells == whole.cells)
        let empty = table.selecting(rows: [])
        #expect(try windowed(query, [empty]).cells == query.run(on: empty).cells)
    }

    @Test("distinct codes kept in bitmaps by one window and in sets by another are counted once")
    func bitmapsAndSets() throws {
        // 300,000 resources: a window of a few rows keeps one bitmap per group, a window of 600 groups keeps sets.
        let resources = (0..<300_000).map { "r\($0)" }
        let accounts = (0..<600).map { "a\($0)" }
        let rows = 1_200
        let table = CostTable(
            rowCount: rows,
            columns: [
                .init(
                    name: "BillingCurrency",
                    data: .string(StringColumn(codes: .init(repeating: 0, count: rows), dictionary: ["USD"]))
                ),
                .init(
                    name: "SubAccountId",
                    data: .string(StringColumn(codes: (0..<rows).map { UInt32($0 % 600) }, dictionary: accounts))
                ),
                .init(
                    name: "ResourceId",
                    data: .string(
                        StringColumn(codes: (0..<rows).map { UInt32(($0 * 7_919) % 300_000) }, dictionary: resources)
                    )
                ),
            ]
        )
        var query = PivotQuery(
            rows: [.column("SubAccountId")],
            measures: [.countDistinct("ResourceId"), .count],
            totals: .all
        )
        query.tuning = ExecutionTuning(parallelThreshold: .max, chunkRows: .max)
        let whole = try query.run(on: table)
        for cuts in [[3], [600], [3, 603, 606], [1_197]] {
            #expect(try windowed(query, windows(table, cuts: cuts)).cells == whole.cells, "cut at \(cuts)")
        }
        let total = try #require(whole.cells.first { $0.rowValues == [nil] })
        #expect(total.measures == [.integer(1_200), .integer(1_200)])
    }

    @Test("amounts in one currency in one window and another in the next are still never added")
    func currenciesAcrossWindows() throws {
        let table = PivotFixtures.generated
        let currencies = try #require(table.strings("BillingCurrency"))
        let usd = try #require(currencies.dictionary.firstIndex(of: "USD"))
        let byCurrency = (0..<table.rowCount).sorted {
            (currencies.codes[$0] == usd ? 0 : 1, $0) < (currencies.codes[$1] == usd ? 0 : 1, $1)
        }
        let sorted = table.selecting(rows: byCurrency)
        let firstOther = try #require(byCurrency.firstIndex { currencies.codes[$0] != usd })
        let query = PivotQuery(rows: [.column("ServiceName")], measures: [.sum("EffectiveCost")])
        #expect(throws: PivotError.self) { try query.run(on: sorted) }
        do {
            _ = try windowed(query, windows(sorted, cuts: [firstOther]))
            Issue.record("the second window's currency was added to the first's")
        } catch let error as PivotError {
            #expect(error.code == .mixedCurrencies)
            #expect(error.subjects.count == 2, "\(error)")
        }
    }

    @Test("a store read in windows of its chunks answers as one table does")
    func storeWindows() async throws {
        let directory = Fixtures.temporaryDirectory().appendingPathComponent("windows")
        let store = try EmbeddedCostStore(directory: directory)
        let table = PivotFixtures.generated
        // Each billing period is its own file, with its own dictionaries, merged by the read.
        _ = try await store.replace(source: "windows") { writer in try await writer.write(table) }
        #expect(try await store.periods().count > 1)
        let stored = try await store.read(.all)
        var windowCount = 0
        try await store.read(CostFilter(columns: ["ServiceName"]), rowsPerWindow: 1) { window in
            windowCount += 1
            #expect(window.strings("ServiceName")?.dictionary == stored.strings("ServiceName")?.dictionary)
        }
        #expect(windowCount == (try await store.periods().count), "one window per file's chunk")
        for query in [
            PivotQuery(
                rows: [.column("BillingCurrency"), .tag("team")],
                columns: [.time("ChargePeriodStart", .month)],
                measures: [.sum("EffectiveCost"), .countDistinct("ResourceId"), .percentile("BilledCost", 90)],
                totals: .all
            ),
            PivotQuery(
                rows: [.column("BillingCurrency"), .column("ServiceName")],
                measures: [.avg("EffectiveCost"), .approxCountDistinct("ResourceId")],
                filter: .compare(.column("ChargeCategory"), .equal, .text("Usage")),
                top: TopN(3, by: .avg("EffectiveCost"))
            ),
        ] {
            var small = query
            small.tuning.windowRows = 1
            #expect(try await store.pivot(small).cells == query.run(on: stored).cells, "\(query)")
        }
    }
}
