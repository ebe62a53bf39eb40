import FinOpsAnalytics
import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import Foundation
import PivotKit
import Testing

@Suite("the cost report")
struct CostReportTests {
    /// The generated sample in a new store, and the review of its last month with every section: built once for
    /// all the tests that read it (each build keeps a thread of the small cooperative pool busy for a while).
    static func review() async throws -> (CostReport, EmbeddedCostStore) {
        try await shared.value
    }

    private static let shared = Task { try await build() }

    private static func build() async throws -> (CostReport, EmbeddedCostStore) {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        let sample = Fixtures.packageRoot.appendingPathComponent(FinOpsFlowHarness.generatedSample).path
        _ = try await FocusIngest().ingest(files: [sample], into: store)
        var options = CostReport.Options()
        options.budgets = try Budget.load(
            contentsOf: Fixtures.packageRoot.appendingPathComponent("Examples/budgets/monthly_review.yml").path
        )
        options.rules = try AllocationRules(
            contentsOf: Fixtures.packageRoot.appendingPathComponent("Examples/allocation/showback.yml").path
        )
        options.tagKeys = ["team", "env"]
        options.pivots = [
            .init(
                title: "Cost by provider and month",
                query: PivotQuery(
                    rows: [.column("ProviderName")],
                    columns: [.time("ChargePeriodStart", .month)],
                    measures: [.sum("EffectiveCost")],
                    totals: .grand
                )
            )
        ]
        options.generated = "2024-04-19T06:00:00Z"
        return (try await CostReport.build(options: options, store: store), store)
    }

    @Test("its numbers are the store's, exactly")
    func numbers() async throws {
        let (report, store) = try await Self.review()
        #expect(report.currency == "USD")
        #expect(report.month == "2024-04")
        #expect(report.otherCurrencies.map(\.label) == ["EUR"])
        let april = try await store.pivot(
            PivotQuery(
                rows: [.column("BillingCurrency")],
                measures: [.sum("EffectiveCost")],
                filter: try PivotSyntax.filter("ChargePeriodStart >= '2024-04-01' AND BillingCurrency = 'USD'")
            )
        )
        #expect(april.groups.first?.measures.first == .decimal(report.monthTotal))
        // The headline total is what `finops periods` lists for April's billing period.
        let stored = try await store.periods().first { $0.period.description == "2024-04" }
        #expect(stored?.totals.first { $0.currency == "USD" }?.effectiveCost == report.monthTotal)
        #expect(report.daily.values.count == 91)
        #expect(report.previousMonth?.label == "2024-03-01–2024-03-18")
        #expect(report.forecast?.points.count == 12)
        let monthEnd = try #require(report.monthEnd)
        #expect(monthEnd.actualToDate == report.monthTotal)
        #expect(monthEnd.lower <= monthEnd.forecast && monthEnd.forecast <= monthEnd.upper)
        // Shares add up to the month (the top ten and Others).
        var services = ExactDecimal.zero
        for share in report.byService { services = try services.adding(share.amount) }
        #expect(services == report.monthTotal)
        #expect(report.byService.count == 11)
        #expect(report.budgets?.statuses.count == 5)
        #expect(report.allocation.contains { $0.target == "security" })
        #expect(report.coverage.map(\.key).sorted() == ["env", "team"])
        #expect(!report.commitments.isEmpty)
        #expect(!report.movers.isEmpty)
        for mover in report.movers { #expect(try mover.current.subtracting(mover.previous) == mover.change) }
    }

    @Test("the page is self-contained, accessible and the same on every run")
    func page() async throws {
        let (report, _) = try await Self.review()
        let html = report.html()
        #expect(html == report.html())
        for forbidden in ["<script", "<link", "src=", "url(", "@import", "https://"] {
            #expect(!html.contains(forbidden), "the page holds \(forbidden)")
        }
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://") == false)
        let charts = html.components(separatedBy: "<svg id=").count - 1
        #expect(charts == 7)
        #expect(html.components(separatedBy: "<title id=").count - 1 == charts)
        #expect(html.components(separatedBy: "<desc id=").count - 1 == charts)
        #expect(html.contains("<html lang=\"en\">"))
        #expect(html.contains("@media print"))
        #expect(html.contains("Showback"))
        #expect(html.contains("Cost by provider and month"))
    }

    @Test("names from the data are escaped everywhere they appear")
    func escaping() async throws {
        let store = try EmbeddedCostStore(directory: Fixtures.temporaryDirectory())
        var rows: [[String: String]] = []
        for day in 1...28 {
            let date = String(format: "2024-01-%02d", day)
            rows.append([
                "ChargePeriodStart": "\(date)T00:00:00Z", "ChargePeriodEnd": "\(date)T01:00:00Z",
                "ServiceName": "<img src=x onerror=alert(1)>", "EffectiveCost": day == 20 ? "90" : "10",
                "SubAccountId": "a&b\"c'd",
            ])
        }
        _ = try await FocusIngest().ingest(files: [Fixtures.file(Fixtures.csv(rows))], into: store)
        var options = CostReport.Options()
        options.title = "Review <of> \"us\""
        let html = try await CostReport.build(options: options, store: store).html()
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(!html.contains("a&b\"c'd"))
        #expect(!html.contains("<of>"))
    }

    @Test("metrics are valid exposition lines with the report's figures")
    func metrics() async throws {
        let (report, store) = try await Self.review()
        let text = CostMetrics.exposition(of: report, periods: try await store.periods(), generatedAt: 1_713_506_400)
        let sample = #/^finops_[a-z_]+(\{([a-z]+="[^"\\]*(\\.[^"\\]*)*",?)+\})? -?[0-9.e+-]+$/#
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.wholeMatch(of: sample) != nil, "not a sample line: \(line)")
        }
        #expect(text.contains("finops_report_generated_timestamp_seconds 1713506400"))
        #expect(text.contains("finops_budget_state{budget=\"google cloud\",currency=\"USD\"} 2"))
        #expect(text.contains("finops_forecast_month_end{currency=\"USD\",month=\"2024-04\",bound=\"upper\"}"))
        #expect(text.contains("# TYPE finops_cost gauge"))
    }

    @Test("a month without cost, or a bad month, is an error naming what the data has")
    func badMonth() async throws {
        let (_, store) = try await Self.review()
        var options = CostReport.Options()
        options.month = "2023-12"
        await #expect(throws: AnalyticsError.self) { try await CostReport.build(options: options, store: store) }
        options.month = "April"
        do {
            _ = try await CostReport.build(options: options, store: store)
            Issue.record("a month written 'April' was accepted")
        } catch let error as AnalyticsError {
            #expect(error.description.contains("a report month is written YYYY-MM, not 'April'"))
        }
    }
}
