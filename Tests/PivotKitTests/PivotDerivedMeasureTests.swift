import FinOpsCore
import Foundation
import PivotKit
import Testing

/// Ratios, differences and percentages, checked against Foundation.Decimal arithmetic.
@Suite("Pivot derived measures")
struct PivotDerivedMeasureTests {
    private func reference(_ numerator: ExactDecimal, _ denominator: ExactDecimal, times scale: Int = 1) -> MeasureValue
    {
        var quotient =
            Decimal(string: numerator.description)! * Decimal(scale) / Decimal(string: denominator.description)!
        var rounded = Decimal()
        NSDecimalRound(&rounded, &quotient, 18, .bankers)
        return .decimal(
            ExactDecimal(NSDecimalNumber(decimal: rounded).description(withLocale: Locale(identifier: "en_US_POSIX")))!
        )
    }

    private func amount(_ value: MeasureValue) -> ExactDecimal {
        if case .decimal(let amount) = value { return amount }
        if case .integer(let count) = value { return ExactDecimal(count) }
        return .zero
    }

    @Test("ratio, difference and percentages of total, parent and column")
    func derived() throws {
        let query = PivotQuery(
            rows: [.column("ProviderName"), .column("ChargeCategory")],
            columns: [.tag("environment")],
            measures: try PivotSyntax.measures(
                "sum(BilledCost), sum(ListCost), ratio(sum(BilledCost), sum(ListCost)), diff(sum(ListCost), sum(BilledCost)), "
                    + "pct_of_total(sum(ListCost)), pct_of_parent(sum(ListCost)), pct_of_column(sum(ListCost))"
            ),
            totals: .all
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        let byKey = Dictionary(uniqueKeysWithValues: result.cells.map { ($0.rowValues + $0.columnValues, $0.measures) })
        let grand = try #require(byKey[[nil, nil, nil]])
        for cell in result.cells {
            let billed = amount(cell.measures[0])
            let list = amount(cell.measures[1])
            #expect(cell.measures[2] == (list.isZero ? .null : reference(billed, list)), "\(cell)")
            #expect(cell.measures[3] == .decimal(list - billed))
            #expect(cell.measures[4] == reference(list, amount(grand[1]), times: 100))
            var parent = cell.rowValues
            if let last = parent.lastIndex(where: { $0 != nil }) { parent[last] = nil }
            let parentList = amount(try #require(byKey[parent + cell.columnValues])[1])
            #expect(cell.measures[5] == (parentList.isZero ? .null : reference(list, parentList, times: 100)))
            let columnList = amount(try #require(byKey[[nil, nil] + cell.columnValues])[1])
            #expect(cell.measures[6] == (columnList.isZero ? .null : reference(list, columnList, times: 100)))
        }
        #expect(grand[4] == .decimal(ExactDecimal(100)))
    }

    @Test("derived measures work without totals being shown, and in HAVING and sorting")
    func hiddenTotals() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            measures: [.percentOfTotal(.count)],
            having: .compare(.measure(.percentOfTotal(.count)), .greaterOrEqual, .number(ExactDecimal(5))),
            sort: [.measure(.percentOfTotal(.count), descending: true)]
        )
        let result = try query.run(on: PivotFixtures.focusSample)
        #expect(result.grandTotal == nil)
        #expect(result.cells.first?.rowValues == [.text("Amazon Elastic Compute Cloud")])
        #expect(result.cells.first?.measures == [.decimal(try .parse("55.4"))])
        #expect(result.cells.allSatisfy { amount($0.measures[0]) >= ExactDecimal(5) })
        let compiled = try PostgresPivotCompiler(table: .test).compile(query)
        #expect(compiled.measures == [.count])
        #expect(compiled.sql.contains("GROUPING SETS ((d0), ())"))
        #expect(!compiled.sql.contains("HAVING"))
    }
}

@Suite("Pivot period over period")
struct PivotPeriodTests {
    @Test("change and pct_change compare each cell with the same cell one or more buckets earlier")
    func changes() throws {
        let query = PivotQuery(
            rows: [.column("BillingCurrency"), .time("ChargePeriodStart", .month)],
            measures: try PivotSyntax.measures(
                "sum(BilledCost), change(sum(BilledCost)), pct_change(sum(BilledCost)), change(sum(BilledCost), 2)"
            )
        )
        let result = try query.run(on: PivotFixtures.generated)
        for currency in ["EUR", "USD"] {
            let months = result.cells.filter { $0.rowValues[0] == .text(currency) }
            #expect(months.map { $0.rowValues[1]?.description } == ["2024-01", "2024-02", "2024-03"])
            let sums = months.map { cell -> ExactDecimal in
                guard case .decimal(let value) = cell.measures[0] else { return .zero }
                return value
            }
            #expect(months[0].measures[1] == .null)
            #expect(months[1].measures[1] == .decimal(sums[1] - sums[0]))
            #expect(months[2].measures[1] == .decimal(sums[2] - sums[1]))
            #expect(months[2].measures[3] == .decimal(sums[2] - sums[0]))
            #expect(months[1].measures[3] == .null)
            guard case .decimal(let percent) = months[1].measures[2] else {
                Issue.record("no percentage")
                return
            }
            #expect(.decimal(percent) == percentChange(sums[1], from: sums[0]))
        }
    }

    @Test("a period comparison needs a time dimension")
    func needsTime() {
        #expect(throws: PivotError.self) {
            try PivotQuery(rows: [.column("ServiceName")], measures: [.change(.count, offset: 1)]).run(
                on: PivotFixtures.focusSample
            )
        }
    }

    private func percentChange(_ now: ExactDecimal, from then: ExactDecimal) -> MeasureValue {
        var quotient =
            (Decimal(string: now.description)! - Decimal(string: then.description)!) * 100
            / Decimal(string: then.description)!
        var rounded = Decimal()
        NSDecimalRound(&rounded, &quotient, 18, .bankers)
        return .decimal(
            ExactDecimal(NSDecimalNumber(decimal: rounded).description(withLocale: Locale(identifier: "en_US_POSIX")))!
        )
    }
}
