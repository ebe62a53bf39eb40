import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

/// Every analysis command on a PostgreSQL store gives what it gives on the embedded store holding the same rows:
/// their pivots run on the server (push-down), the answers are the same to the last digit.
@Suite("Analytics on PostgreSQL", .postgres)
struct AnalyticsOnPostgresTests {
    @Test("allocate, anomalies, forecast, budgets, coverage, commitments and reconcile agree with the embedded store")
    func sameAnswers() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let embedded = Fixtures.temporaryDirectory().path
            // Four months of generated data: enough history for anomalies and forecasts, commitments included.
            let sample = Fixtures.temporaryDirectory().appendingPathComponent("sample.csv").path
            try SampleGenerator(rows: 20_000, seed: 3, months: 4).write(to: sample)
            for store in [embedded, conninfo] {
                let ingested = try await CommandRunner.runOffPool(["ingest", sample, "--store", store])
                #expect(ingested.status == 0, "\(ingested.stderr)")
            }
            let root = Fixtures.packageRoot.appendingPathComponent("Examples")
            let commands: [[String]] = [
                ["allocate", "--rules", root.appendingPathComponent("allocation/rules.yml").path],
                ["anomalies", "--by", "ServiceName"],
                ["forecast", "--by", "ProviderName", "--month-end"],
                ["budgets", "check", "--budgets", root.appendingPathComponent("budgets/budgets.yml").path],
                ["coverage", "--tag", "team,env"],
                ["commitments"],
                ["reconcile"],
            ]
            for command in commands {
                let onEmbedded = try await CommandRunner.runOffPool(command + ["--store", embedded, "--format", "csv"])
                let onPostgres = try await CommandRunner.runOffPool(command + ["--store", conninfo, "--format", "csv"])
                #expect(onEmbedded.status == 0, "\(command): \(onEmbedded.stderr)")
                #expect(onPostgres.status == 0, "\(command): \(onPostgres.stderr)")
                #expect(onPostgres.stdout == onEmbedded.stdout, "\(command)")
                #expect(onEmbedded.stdout.split(separator: "\n").count >= 2, "\(command) printed no rows")
            }
        }
    }

    @Test("the monthly cost review flow gives the same report and metrics on PostgreSQL as on the embedded store")
    func sameReview() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            var pages: [String] = []
            var metrics: [[Substring]] = []
            for store in [Fixtures.temporaryDirectory().path, conninfo] {
                let run = try await CommandRunner.runOffPool(
                    [
                        "run", "Examples/flows/monthly_cost_review.yml", "--store", store, "--output",
                        Fixtures.temporaryDirectory().path,
                    ],
                    directory: Fixtures.packageRoot
                )
                #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
                func output(_ name: String) throws -> String {
                    let prefix = "output \(name) = "
                    let line = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix(prefix) })
                    return try String(contentsOfFile: String(line.dropFirst(prefix.count)), encoding: .utf8)
                }
                // The time of the run, and how long its tasks took, are the things that may differ.
                pages.append(try output("report").replacing(#/generated [0-9T:-]+Z/#, with: "generated"))
                metrics.append(
                    try output("metrics").split(separator: "\n")
                        .filter {
                            !$0.hasPrefix("finops_report_generated_timestamp_seconds")
                                && !$0.contains("duration_seconds")
                        }
                        .sorted()
                )
            }
            #expect(pages.count == 2 && pages[0] == pages[1])
            #expect(metrics.count == 2 && metrics[0] == metrics[1])
            #expect(pages.first?.contains("<svg id=\"daily-cost\"") == true)
        }
    }
}

@Suite("Example: PostgresStore", .postgres)
struct PostgresStoreExampleTests {
    @Test("the example program ingests, pivots on the server and verifies")
    func runs() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let result = try await CommandRunner.runOffPool(
                [conninfo, Fixtures.focusSample],
                program: CommandRunner.program(named: "PostgresStore")
            )
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("stored 1000 rows\n"))
            #expect(result.stdout.contains("(total)          (total)"))
            #expect(result.stdout.hasSuffix("verified 2 periods\n"))
        }
    }
}
