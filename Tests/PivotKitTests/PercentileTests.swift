import FinOpsCore
import PivotKit
import Testing

@Suite("Percentiles")
struct PercentileTests {
    private func table(_ values: [ExactDecimal]) -> CostTable {
        CostTable(
            rowCount: values.count,
            columns: [
                .init(
                    name: "BillingCurrency",
                    data: .string(StringColumn(codes: values.map { _ in 0 }, dictionary: ["USD"]))
                ),
                .init(name: "BilledCost", data: .decimal(DecimalColumn(values: values))),
            ]
        )
    }

    private func percentile(_ percent: Int, of values: [ExactDecimal]) throws -> MeasureValue? {
        let query = PivotQuery(rows: [.column("BillingCurrency")], measures: [.percentile("BilledCost", percent)])
        return try query.run(on: table(values)).cells.first?.measures.first
    }

    @Test("values far apart interpolate exactly instead of overflowing (0 and 4e18: the median is 2e18)")
    func farApart() throws {
        let far = try ExactDecimal.parse("4000000000000000000")
        #expect(try percentile(50, of: [.zero, far]) == .decimal(try .parse("2000000000000000000")))
        #expect(try percentile(90, of: [.zero, far]) == .decimal(try .parse("3600000000000000000")))
    }

    @Test("the extremes of the decimal range, and rounding half to even on the exact value")
    func extremes() throws {
        let range: [ExactDecimal] = [.leastFiniteMagnitude, .greatestFiniteMagnitude]
        #expect(try percentile(50, of: range) == .decimal(.zero))
        #expect(try percentile(0, of: range) == .decimal(.leastFiniteMagnitude))
        #expect(try percentile(100, of: range) == .decimal(.greatestFiniteMagnitude))
        // (2 × (2^127 − 1)) × 99 / 100 above the least value, computed with Python's integers.
        let p99 = ExactDecimal(units: Int128("166738359791259847097053557641566423612")!)
        #expect(try percentile(99, of: range) == .decimal(p99))
        // One unit apart: a quarter of the way rounds down, three quarters up, a half to the even neighbour.
        let one = ExactDecimal(units: 1)
        let two = ExactDecimal(units: 2)
        #expect(try percentile(50, of: [one, two]) == .decimal(two))
        #expect(try percentile(50, of: [.zero, one]) == .decimal(.zero))
        #expect(try percentile(75, of: [.zero, one]) == .decimal(one))
        #expect(try percentile(25, of: [.zero, one]) == .decimal(.zero))
        #expect(
            try percentile(50, of: [ExactDecimal(units: -3), ExactDecimal(units: -2)])
                == .decimal(ExactDecimal(units: -2))
        )
    }
}
