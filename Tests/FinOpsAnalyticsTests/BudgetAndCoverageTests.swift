import FinOpsAnalytics
import FinOpsCore
import FinOpsTestSupport
import Foundation
import PivotKit
import Testing

@Suite("Budgets and coverage")
struct BudgetAndCoverageTests {
    /// Daily cost from 2024-06-01 to 2024-09-15: web 10 a day (tagged team=web on account A), an untagged 5 a day
    /// on account B; in EUR, 1 a day.
    static let table: CostTable = {
        var rows: [[String: String]] = []
        var day = CalendarDay("2024-06-01")!
        while day <= CalendarDay("2024-09-15")! {
            let start = day.start.description
            let end = day.advanced(by: 1).start.description
            let month = day.firstOfMonth.start.description
            let next = day.firstOfNextMonth.start.description
            func row(
                _ cost: String,
                _ account: String,
                _ currency: String,
                _ tags: String,
                _ resource: String
            ) -> [String: String] {
                [
                    "ChargePeriodStart": start, "ChargePeriodEnd": end, "BillingPeriodStart": month,
                    "BillingPeriodEnd": next,
                    "EffectiveCost": cost, "BilledCost": cost, "ListCost": cost, "ContractedCost": cost,
                    "BillingCurrency": currency, "Tags": tags, "SubAccountId": account, "ResourceId": resource,
                ]
            }
            rows.append(row("10", "A", "USD", "{\"team\":\"web\"}", "vm-1"))
            rows.append(row("5", "B", "USD", "{}", "vm-2"))
            rows.append(row("1", "C", "EUR", "{}", "vm-3"))
            day = day.advanced(by: 1)
        }
        let path = Fixtures.file(Fixtures.csv(rows, extraColumns: ["SubAccountId", "ResourceId"]))
        return try! Fixtures.readAll(path).0
    }()

    static func answer(_ query: PivotQuery) throws -> PivotResult { try query.run(on: table) }

    @Test("actual to date, forecast to month end, thresholds and hierarchy")
    func budgets() async throws {
        let budgets = try Budget.load(
            yaml: """
                budgets:
                  - name: all
                    amount: 400
                    thresholds: [{actual: 50%}, {forecast: 100%}]
                  - name: web
                    parent: all
                    scope: "tag(team) = 'web'"
                    amount: 300
                  - name: untagged
                    parent: all
                    scope: "tag(team) is null"
                    amount: 200
                    thresholds: [{actual: 70}]
                  - name: summer
                    period: {from: 2024-06-01, to: 2024-08-31}
                    amount: 1000
                """,
            path: "budgets.yml"
        )
        let report = try await budgets.check(answer: Self.answer)
        let byName = Dictionary(uniqueKeysWithValues: report.statuses.map { ($0.budget.name, $0) })
        let all = try #require(byName["all"])
        #expect(all.asOf == CalendarDay("2024-09-15"))
        #expect(all.actual.description == "225")  // 15 days × 15 USD; EUR does not count
        // 30 days × 15 = 450 expected; the noise-free series is forecast almost exactly.
        #expect(abs(Double(all.forecast.forecast.description)! - 450) < 1)
        #expect(all.state == .warning)
        #expect(all.alerts.map(\.threshold) == ["actual ≥ 50%", "forecast ≥ 100%"])
        #expect(all.alerts.first?.limit.description == "200")
        #expect(byName["untagged"]?.alerts.map(\.description) == ["actual ≥ 70: 75 ≥ 70"])
        #expect(byName["summer"]?.state == .breached)
        #expect(byName["summer"]?.actual.description == "1380")  // 92 days × 15
        #expect(report.hierarchyProblems.count == 1)
        #expect(report.hierarchyProblems.first?.contains("add up to 500, past their parent 'all' (400)") == true)
    }

    @Test("with rates, cost billed in other currencies counts, converted at the rate of its day")
    func converted() async throws {
        let budgets = try Budget.load(yaml: "budgets:\n  - name: all\n    amount: 400\n", path: "budgets.yml")
        let rates = try CurrencyRates(
            csv: "date,from,to,rate\n2024-01-01,EUR,USD,1.1\n2024-09-10,EUR,USD,1.2\n",
            path: "r.csv"
        )
        let report = try await budgets.check(rates: rates, answer: Self.answer)
        // 15 days × 15 USD, plus 1 EUR a day: 9 days at 1.1 and 6 at 1.2.
        #expect(report.statuses.first?.actual.description == "242.1")
        let missing = try CurrencyRates(csv: "date,from,to,rate\n2024-09-12,EUR,USD,1.1\n", path: "r.csv")
        await #expect(throws: AnalyticsError.self) { try await budgets.check(rates: missing, answer: Self.answer) }
    }

    @Test(
        "bad budgets files name the place",
        arguments: [
            ("budgets:\n  - name: a\n", "budgets.yml:2:5: budget 'a' needs 'amount'"),
            ("budgets:\n  - name: a\n    amount: 0\n", "budgets.yml:3:13: budget 'a': the amount must be above 0"),
            (
                "budgets:\n  - name: a\n    amount: 1\n    parent: b\n",
                "budgets.yml:2:5: budget 'a': its parent 'b' is not defined"
            ),
            (
                "budgets:\n  - name: a\n    amount: 1\n    period: week\n",
                "budgets.yml:4:13: budget 'a': period must be"
            ),
            (
                "budgets:\n  - name: a\n    amount: 1\n    thresholds: [{actual: lots}]\n",
                "budgets.yml:4:27: budget 'a': a threshold"
            ),
            (
                "budgets:\n  - name: a\n    amount: 1\n    parent: b\n  - name: b\n    amount: 1\n    parent: a\n",
                "budgets.yml:2:5: budget 'a': its parents form a cycle"
            ),
        ]
    )
    func badFiles(_ yaml: String, _ message: String) {
        #expect {
            _ = try Budget.load(yaml: yaml, path: "budgets.yml")
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test("spend and resource coverage per month and account, untagged contributors")
    func coverage() async throws {
        let coverage = try await TagCoverage.measure(keys: ["team"], answer: Self.answer)
        let september = coverage.lines.filter { $0.month == "2024-09" && $0.currency == "USD" }
        let total = try #require(september.first { $0.account == nil })
        #expect(total.cost.description == "225")
        #expect(total.taggedCost.description == "150")
        #expect((total.resources, total.taggedResources) == (2, 1))
        let csv = coverage.table.csv()
        #expect(csv.contains("team,USD,2024-09,(all),225,150,66.67,2,1,50.00\n"))
        #expect(csv.contains("team,USD,2024-09,A,150,150,100.00,1,1,100.00\n"))
        #expect(coverage.untagged.first { $0.dimension == "SubAccountId" && $0.currency == "USD" }?.value == "B")
    }
}
