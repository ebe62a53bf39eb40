import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

@Suite("finops analytics commands")
struct AnalyticsCLITests {
    static let rules = Fixtures.packageRoot.appendingPathComponent("Examples/allocation/rules.yml").path
    static let budgets = Fixtures.packageRoot.appendingPathComponent("Examples/budgets/budgets.yml").path

    @Test("allocate on the store and on the file agree, add up, and explain a target")
    func allocate() async throws {
        let store = Fixtures.temporaryDirectory().path
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store]).status == 0)
        let stored = try await CommandRunner.runOffPool([
            "allocate", "--rules", Self.rules, "--store", store, "--format", "csv",
        ])
        #expect(stored.status == 0, "\(stored.stderr)")
        let file = try await CommandRunner.runOffPool([
            "allocate", "--rules", Self.rules, "--file", Fixtures.focusSample, "--format", "csv",
        ])
        #expect(file.stdout == stored.stdout)
        #expect(file.stdout.hasPrefix("team,period,currency,amount,direct,allocated\n"))
        let table = try await CommandRunner.runOffPool(["allocate", "--rules", Self.rules, "--store", store])
        #expect(table.stdout.contains("check: the allocation adds up to the source total"))
        let explain = try await CommandRunner.runOffPool([
            "allocate", "--rules", Self.rules, "--store", store, "--explain", "web",
        ])
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("web services"))
        let unknown = try await CommandRunner.runOffPool([
            "allocate", "--rules", Self.rules, "--store", store, "--explain", "nobody",
        ])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("'nobody' holds no cost; targets:"))
    }

    @Test("a bad rules file fails with its place, exit 1")
    func badRules() async throws {
        let path = Fixtures.file(named: "rules.yml", "rules:\n  - name: x\n    assign: a\n    split: {evenly: [a]}\n")
        let result = try await CommandRunner.runOffPool(["allocate", "--rules", path, "--file", Fixtures.focusSample])
        #expect(result.status == 1)
        #expect(result.stderr.contains("rules.yml:2:5: rule 'x' needs exactly one of assign, assign_by or split"))
    }

    @Test("anomalies and forecasts of plain series print the promised columns")
    func series() async throws {
        var lines = ["series,timestamp,value"]
        let first = Timestamp(year: 2024, month: 1, day: 1)!
        for day in 0..<120 {
            let date = String(
                Timestamp(microsecondsSinceEpoch: first.microsecondsSinceEpoch + Int64(day) * 86_400_000_000)
                    .description.prefix(10)
            )
            lines.append("a,\(date),\(day == 90 ? 500 : (day % 7 >= 5 ? 60 : 100) + day % 3)")
        }
        let path = Fixtures.file(named: "series.csv", lines.joined(separator: "\n") + "\n")
        let anomalies = try await CommandRunner.runOffPool(["anomalies", "--series", path, "--format", "csv"])
        #expect(anomalies.status == 0, "\(anomalies.stderr)")
        #expect(
            anomalies.stdout.hasPrefix(
                "series,timestamp,actual,expected,lower,upper,impact,score,kind\na,2024-03-31,500,"
            )
        )
        let forecast = try await CommandRunner.runOffPool([
            "forecast", "--series", path, "--horizon", "3", "--format", "csv",
        ])
        #expect(forecast.status == 0, "\(forecast.stderr)")
        let rows = forecast.stdout.split(separator: "\n")
        #expect(rows.first == "series,timestamp,forecast,lower,upper,method,cum_lower,cum_upper")
        #expect(rows.dropFirst().map { $0.split(separator: ",")[1] } == ["2024-04-30", "2024-05-01", "2024-05-02"])
        let backtest = try await CommandRunner.runOffPool([
            "forecast", "--series", path, "--horizon", "7", "--backtest", "--format", "json",
        ])
        #expect(backtest.stdout.contains("\"origins\": 5"))
        let bad = try await CommandRunner.runOffPool(["forecast", "--series", path, "--horizon", "0"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("the horizon must be from 1 to 10000 steps"))
    }

    @Test("anomalies, forecasts, budgets and coverage run on the store")
    func onStore() async throws {
        let store = Fixtures.temporaryDirectory().path
        #expect(try await CommandRunner.runOffPool(["ingest", Fixtures.focusSample, "--store", store]).status == 0)
        let anomalies = try await CommandRunner.runOffPool([
            "anomalies", "--by", "ServiceName", "--store", store, "--format", "json",
        ])
        #expect(anomalies.status == 0, "\(anomalies.stderr)")
        #expect(anomalies.stdout.hasPrefix("["))
        let monthEnd = try await CommandRunner.runOffPool([
            "forecast", "--by", "ProviderName", "--month-end", "--store", store, "--format", "csv",
        ])
        #expect(monthEnd.status == 0, "\(monthEnd.stderr)")
        #expect(
            monthEnd.stdout.contains("\"ProviderName=AWS, BillingCurrency=USD\",2024-09-01,2024-09-30,13,13,13,13,\n")
        )
        let budgets = try await CommandRunner.runOffPool([
            "budgets", "check", "--budgets", Self.budgets, "--store", store, "--fail-on", "warning",
        ])
        #expect(budgets.status == 3)
        #expect(budgets.stdout.contains("compute this quarter"))
        let coverage = try await CommandRunner.runOffPool([
            "coverage", "--tag", "team", "--store", store, "--format", "csv",
        ])
        #expect(coverage.status == 0)
        #expect(coverage.stdout.hasPrefix("key,currency,month,account,cost,tagged_cost,spend_coverage_percent"))
    }
}
