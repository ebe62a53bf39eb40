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
        #expect(throws: PivotError.self) { try PostgresPivotCompiler().compile(query) }
    }
}
