import FinOpsCore
import Testing

@testable import PivotKit

/// A whole amount.
private func amount(_ value: Int) -> ExactDecimal {
    ExactDecimal(units: Int128(value) * ExactDecimal.unitsPerOne)
}

@Suite("Totals over currencies")
struct CurrencyTotalTests {
    /// Two currencies, two services: USD 1 + 2 on a, EUR 10 on a and 20 on b.
    private let table = CostTable(
        rowCount: 4,
        columns: [
            .init(
                name: "BillingCurrency",
                data: .string(StringColumn(codes: [0, 0, 1, 1], dictionary: ["USD", "EUR"]))
            ),
            .init(name: "ServiceName", data: .string(StringColumn(codes: [0, 0, 0, 1], dictionary: ["a", "b"]))),
            .init(
                name: "BilledCost",
                data: .decimal(DecimalColumn(values: [1, 2, 10, 20].map(amount)))
            ),
        ]
    )

    @Test("a total over BillingCurrency shows no amount, only counts; totals within a currency keep theirs")
    func grandTotal() throws {
        let query = PivotQuery(
            rows: [.column("BillingCurrency"), .column("ServiceName")],
            measures: [
                .sum("BilledCost"), .count, .percentOfTotal(.sum("BilledCost")), .percentOfParent(.sum("BilledCost")),
            ],
            totals: .all
        )
        let result = try query.run(on: table)
        let grand = try #require(result.grandTotal)
        #expect(grand.measures == [MeasureValue.null, .integer(4), .null, .null])
        let euro = try #require(result.cells.first { $0.rowValues == [.text("EUR"), nil] })
        #expect(euro.measures[0] == MeasureValue.decimal(amount(30)))
        let euroB = try #require(result.cells.first { $0.rowValues == [.text("EUR"), .text("b")] })
        #expect(euroB.measures[3] != MeasureValue.null, "a share of its currency's subtotal is meaningful")
        #expect(euroB.measures[2] == MeasureValue.null, "a share of a total over currencies is not")
    }

    @Test("a crosstab's totals over a BillingCurrency column show no amount; one currency keeps its totals")
    func columnTotals() throws {
        let query = PivotQuery(
            rows: [.column("ServiceName")],
            columns: [.column("BillingCurrency")],
            measures: [.sum("BilledCost")],
            totals: .all
        )
        let result = try query.run(on: table)
        let serviceA = try #require(result.cells.first { $0.rowValues == [.text("a")] && $0.columnValues == [nil] })
        #expect(serviceA.measures == [MeasureValue.null])
        let single = try query.run(on: table.selecting(rows: [0, 1]))
        #expect(single.grandTotal?.measures == [MeasureValue.decimal(amount(3))])
    }
}

extension CurrencyTotalTests {
    /// 3,000 rows: USD, then EUR from row 1,000, then one GBP row at the very end.
    private var threeCurrencies: CostTable {
        let codes = (0..<3_000).map { UInt32($0 == 2_999 ? 2 : $0 / 1_000 == 0 ? 0 : 1) }
        return CostTable(
            rowCount: codes.count,
            columns: [
                .init(
                    name: "BillingCurrency",
                    data: .string(StringColumn(codes: codes, dictionary: ["USD", "EUR", "GBP"]))
                ),
                .init(name: "BilledCost", data: .decimal(DecimalColumn(values: codes.map { _ in amount(1) }))),
            ]
        )
    }

    @Test("money over several currencies is refused naming every currency, in one pass and split into parts")
    func mixedCurrenciesInParts() throws {
        for threshold in [Int.max, 100] {
            var query = PivotQuery(rows: [], measures: [.sum("BilledCost")])
            query.tuning = ExecutionTuning(parallelThreshold: threshold)
            let error = #expect(throws: PivotError.self) { try query.run(on: threeCurrencies) }
            #expect(error?.code == .mixedCurrencies)
            #expect(error?.subjects == ["EUR", "GBP", "USD"], "threshold \(threshold)")
            // The rows of one currency, selected by a filter, are summed.
            query.filter = .compare(.column("BillingCurrency"), .equal, .text("EUR"))
            let single = try query.run(on: threeCurrencies)
            #expect(single.cells.first?.measures == [MeasureValue.decimal(amount(1_999))], "threshold \(threshold)")
        }
    }
}
