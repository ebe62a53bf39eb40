import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import PivotKit
import Testing

@Suite("Cost series")
struct CostSeriesTests {
    @Test("a series is named by its key, the currency once even when the key holds it")
    func names() throws {
        let rows = (1...3).map { day in
            [
                "ChargePeriodStart": "2024-01-0\(day)T00:00:00Z", "ChargePeriodEnd": "2024-01-0\(day)T01:00:00Z",
                "EffectiveCost": "\(day)",
            ]
        }
        let table = try Fixtures.readAll(Fixtures.file(Fixtures.csv(rows))).0
        for (by, expected) in [
            ([PivotDimension.column("BillingCurrency")], "BillingCurrency=USD"),
            ([.column("ServiceName")], "ServiceName=Amazon EC2, BillingCurrency=USD"),
            ([.column("BillingCurrency"), .column("ServiceName")], "BillingCurrency=USD, ServiceName=Amazon EC2"),
        ] {
            let query = CostSeriesQuery(by: by)
            let series = query.series(from: try table.pivot(query.pivot))
            #expect(series.map(\.name) == [expected])
            #expect(series.first?.values == [ExactDecimal(1), ExactDecimal(2), ExactDecimal(3)])
        }
    }
}
