import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import Foundation
import PivotKit
import Testing

/// The FOCUS 1.2 specification's worked examples of commitment discounts (Fixtures/spec_examples, CC BY 4.0).
/// Expected values follow the examples' own terms: their file names state the utilization, and their rows the
/// amounts (e.g. the 0% example's commitment goes wholly unused at its amortised 1.50).
@Suite("Commitments and reconciliation")
struct CommitmentTests {
    static func table(_ name: String) throws -> CostTable {
        let url = Fixtures.packageRoot.appendingPathComponent(
            "Tests/FinOpsAnalyticsTests/Fixtures/spec_examples/\(name)"
        )
        var options = FocusReadOptions()
        options.requiredColumns = []
        let table = try Fixtures.readAll(url.path, options: options).0
        // The examples leave out BillingCurrency; they are in USD.
        let currency = CostTable.Column(
            name: "BillingCurrency",
            data: .string(StringColumn(codes: Array(repeating: 0, count: table.rowCount), dictionary: ["USD"]))
        )
        return CostTable(rowCount: table.rowCount, columns: table.columns + [currency])
    }

    static func report(_ name: String) async throws -> CommitmentReport {
        let table = try table(name)
        return try await CommitmentReport.measure { query in
            try table.pivot(query)
        }
    }

    @Test("0% utilization: the whole amortised commitment is unused, a loss against list")
    func zeroUtilization() async throws {
        let report = try await Self.report(
            "commitment_discount_flexibility/zero_percent_utilization_without_commitment_discount_flexibility.csv"
        )
        let c = try #require(report.commitments.first)
        #expect(c.id == "<my-commitment-discount-id>")
        #expect(c.purchased.description == "1.5")
        #expect(c.usedCost.description == "0")
        #expect(c.unusedCost.description == "1.5")
        #expect(c.utilizationPercent == "0.00")
        #expect(c.savingsVersusList?.description == "-1.5")
        // The on-demand medium VM (list 2.00) is the only eligible usage of the commitment's service (the examples
        // name no service), and nothing covers it.
        #expect(report.coverage.map(\.eligible.description) == ["2"])
        #expect(report.coverage.map(\.percent) == ["0.00"])
    }

    @Test("100% utilization without flexibility: used at 1.50 instead of 3.00 list")
    func fullUtilization() async throws {
        let report = try await Self.report(
            "commitment_discount_flexibility/one_hundred_percent_utilization_without_commitment_discount_flexibility.csv"
        )
        let c = try #require(report.commitments.first)
        #expect(c.utilizationPercent == "100.00")
        #expect(c.usedCost.description == "1.5")
        #expect(c.savingsVersusList?.description == "1.5")
    }

    @Test("100% utilization with flexibility: one large VM, a third covered (0.50) and the rest on demand")
    func flexibility() async throws {
        let report = try await Self.report(
            "commitment_discount_flexibility/one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource.csv"
        )
        let c = try #require(report.commitments.first)
        #expect(c.purchased.description == "0.5")
        #expect(c.usedCost.description == "0.5")
        #expect(c.usedQuantity.description == "1")
        #expect(c.utilizationPercent == "100.00")
        #expect(c.savingsVersusList?.description == "2.5")
        // Covered list cost 3.00 of 3.00 + 2.25.
        let coverage = try #require(report.coverage.first)
        #expect(coverage.covered.description == "3")
        #expect(coverage.eligible.description == "5.25")
        #expect(coverage.percent == "57.14")
    }

    @Test("usage scenario 3: 0.75 used, 0.25 unused is 75% utilization")
    func partial() async throws {
        let report = try await Self.report("commitment_discount_scenarios/commitment_discount_usage_scenario_3.csv")
        let c = try #require(report.commitments.first)
        #expect(c.usedCost.description == "0.75")
        #expect(c.unusedCost.description == "0.25")
        #expect(c.utilizationPercent == "75.00")
    }

    @Test("reconciliation: amortised usage equals the purchase; usage counted twice breaks the invariant")
    func reconcile() async throws {
        let table = try Self.table(
            "commitment_discount_flexibility/zero_percent_utilization_without_commitment_discount_flexibility.csv"
        )
        let balanced = try await Reconciliation.run { query in
            try table.pivot(query)
        }
        #expect(balanced.violations.isEmpty)
        #expect(balanced.invoices.first?.billed.description == "3.5")  // the 1.50 purchase and the 2.00 on-demand VM

        // Without its (unused) usage row the commitment has no usage in the data: its term may lie outside the data,
        // which is not a violation.
        let statuses = try #require(table.strings("CommitmentDiscountStatus"))
        let purchaseOnly = table.selecting(rows: (0..<table.rowCount).filter { statuses[$0] != "Unused" })
        let result = try await Reconciliation.run { query in
            try purchaseOnly.pivot(query)
        }
        #expect(result.violations.isEmpty)
        // The usage row twice: 3.00 of amortised usage against a 1.50 purchase.
        let twice = CostTable.concatenating([table, table.selecting(rows: [1])])
        let doubled = try await Reconciliation.run { query in
            try twice.pivot(query)
        }
        #expect(doubled.violations.map(\.rule) == ["amortization"])
        #expect(doubled.violations.first?.message.contains("is 3 but Σ BilledCost of its purchases is 1.5") == true)
    }

    @Test("currency conversion is exact, half to even, at the dated rate")
    func currency() throws {
        let rates = try CurrencyRates(
            csv: "date,from,to,rate\n2024-01-01,USD,EUR,0.9\n2024-07-01,USD,EUR,0.925\n",
            path: "rates.csv"
        )
        #expect(rates.rate(from: "USD", to: "EUR", on: CalendarDay("2024-06-30")!)?.rate.description == "0.9")
        #expect(rates.rate(from: "USD", to: "EUR", on: CalendarDay("2024-07-01")!)?.rate.description == "0.925")
        #expect(rates.rate(from: "USD", to: "EUR", on: CalendarDay("2023-12-31")!) == nil)
        #expect(rates.rate(from: "EUR", to: "USD", on: CalendarDay("2024-07-01")!) == nil)
        #expect(try CurrencyRates.convert(ExactDecimal(10), at: try .parse("0.925"), places: 2).description == "9.25")
        #expect(try CurrencyRates.convert(try .parse("0.05"), at: try .parse("0.5"), places: 2).description == "0.02")
        #expect(try CurrencyRates.convert(try .parse("-0.15"), at: try .parse("0.5"), places: 2).description == "-0.08")
        #expect(throws: AnalyticsError.self) {
            try CurrencyRates.convert(.greatestFiniteMagnitude, at: ExactDecimal(2))
        }
        #expect {
            _ = try CurrencyRates(csv: "date,from,to,rate\n2024-01-01,USD,EUR,-1\n", path: "rates.csv")
        } throws: { "\($0)" == "rates.csv:2: field rate: '-1' must be a decimal above 0" }
    }
}
