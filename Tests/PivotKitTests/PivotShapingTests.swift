import FinOpsCore
import PivotKit
import Testing

/// Top-N with Others, HAVING, sort and limit.
@Suite("Pivot shaping")
struct PivotShapingTests {
    private let usd = FilterExpression.compare(.column("BillingCurrency"), .equal, .text("USD"))

    @Test("top N per parent keeps the largest members and folds the rest into an exact Others")
    func topWithOthers() throws {
        let table = PivotFixtures.generated
        let base = PivotQuery(
            rows: [.column("BillingAccountId"), .column("ServiceName")],
            measures: [.sum("EffectiveCost"), .count],
            filter: usd,
            totals: .all
        )
        var top = base
        top.top = TopN(3, by: .sum("EffectiveCost"))
        let full = try base.run(on: table)
        let folded = try top.run(on: table)
        // Totals are untouched by folding.
        #expect(folded.grandTotal == full.grandTotal)
        let accounts = Set(full.groups.compactMap { $0.rowValues[0] })
        for account in accounts {
            let members = full.groups.filter { $0.rowValues[0] == account }
            let ranked = members.sorted {
                guard case .decimal(let a) = $0.measures[0], case .decimal(let b) = $1.measures[0] else { return false }
                return a != b ? a > b : $0.rowValues[1]! < $1.rowValues[1]!
            }
            let kept = folded.groups.filter { $0.rowValues[0] == account && $0.rowValues[1] != .others }
            #expect(Set(kept.map { $0.rowValues[1] }) == Set(ranked.prefix(3).map { $0.rowValues[1] }))
            let others = folded.groups.first { $0.rowValues[0] == account && $0.rowValues[1] == .others }
            if ranked.count > 3 {
                var remainder = ExactDecimal.zero
                var rows = 0
                for cell in ranked.dropFirst(3) {
                    if case .decimal(let value) = cell.measures[0] { remainder = remainder + value }
                    if case .integer(let count) = cell.measures[1] { rows += count }
                }
                #expect(others?.measures == [.decimal(remainder), .integer(rows)])
            } else {
                #expect(others == nil)
            }
            // Each account's subtotal is the same with and without folding.
            let subtotal = { (result: PivotResult) in
                result.cells.first { $0.rowValues[0] == account && $0.rowValues[1] == nil }?.measures
            }
            #expect(subtotal(folded) == subtotal(full))
        }
        #expect(folded.csv().contains(",Others,"))
    }

    @Test("HAVING keeps groups by their measures; totals still cover every row")
    func having() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            measures: [.count, .sum("BilledCost")],
            totals: .grand,
            having: .and(
                .compare(.measure(.count), .greater, .number(ExactDecimal(10))),
                .not(.isNull(.measure(.sum("BilledCost"))))
            )
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        #expect(!result.groups.isEmpty)
        for cell in result.groups {
            guard case .integer(let count) = cell.measures[0] else {
                Issue.record("count() is not an integer: \(cell)")
                continue
            }
            #expect(count > 10)
        }
        #expect(result.grandTotal?.measures[0] == .integer(1_000))
        var unknown = query
        unknown.having = .compare(.measure(.max("ListCost")), .greater, .number(.zero))
        #expect(throws: PivotError.self) { try unknown.run(on: PivotFixtures.focusSample) }
    }

    @Test("sort by measure (stable on ties) and limit; totals stay after the groups")
    func sortAndLimit() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            measures: [.count],
            totals: .grand,
            sort: [.measure(.count, descending: true), .dimension(.column("ServiceName"), descending: false)],
            limit: 5
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        #expect(result.cells.count == 6)
        let counts = result.groups.map { cell -> Int in
            if case .integer(let count) = cell.measures[0] { return count }
            return -1
        }
        #expect(counts == counts.sorted(by: >))
        #expect(result.groups.first?.rowValues[0] == .text("Amazon Elastic Compute Cloud"))
        #expect(result.cells.last?.isTotal == true)
    }

    @Test("sort keys and HAVING parse from text")
    func syntax() throws {
        #expect(
            try PivotSyntax.sortKeys("-sum(EffectiveCost), ServiceName, month(ChargePeriodStart) desc")
                == [
                    .measure(.sum("EffectiveCost"), descending: true),
                    .dimension(.column("ServiceName"), descending: false),
                    .dimension(.time("ChargePeriodStart", .month), descending: true),
                ]
        )
        #expect(
            try PivotSyntax.having("sum(EffectiveCost) > 100 and count() >= 5")
                == .and(
                    .compare(.measure(.sum("EffectiveCost")), .greater, .number(ExactDecimal(100))),
                    .compare(.measure(.count), .greaterOrEqual, .number(ExactDecimal(5)))
                )
        )
        #expect(throws: PivotError.self) {
            try PivotQuery(rows: [], filter: .compare(.measure(.count), .greater, .number(.zero))).run(
                on: PivotFixtures.focusSample
            )
        }
    }
}
