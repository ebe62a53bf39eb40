import FinOpsCore
import FinOpsTestSupport
import Foundation
import Testing

/// The example programs are built with the tests and run here, so none of them rots.
@Suite("Example programs")
struct ExampleProgramTests {
    @Test("PivotFile prints the top services of the bundled export and their exact total")
    func pivotFile() async throws {
        let result = try await CommandRunner.runOffPool(
            [],
            program: CommandRunner.program(named: "PivotFile"),
            directory: Fixtures.packageRoot
        )
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("BillingCurrency  ServiceName") == true)
        #expect(lines.contains { $0.hasPrefix("USD              Amazon Elastic Compute Cloud") })
        #expect(lines.contains { $0.hasPrefix("USD              Others") })
        #expect(lines.last?.hasSuffix("20.52022672899") == true)
    }

    @Test("IngestSummary stores the export and prints its periods")
    func ingestSummary() async throws {
        let store = Fixtures.temporaryDirectory().path
        let result = try await CommandRunner.runOffPool(
            [Fixtures.focusSample, store],
            program: CommandRunner.program(named: "IngestSummary")
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1000 rows stored in \(store)"))
    }

    @Test("WeeklyBudgetSummary posts the week's budgets to the webhook given")
    func weeklyBudgetSummary() async throws {
        let store = Fixtures.temporaryDirectory()
        _ = try await FocusIngest().ingest(
            files: [Fixtures.focusSample],
            into: try EmbeddedCostStore(directory: store)
        )
        let listener = try WebhookListener(statuses: [200])
        defer { listener.stop() }
        let result = try await CommandRunner.runOffPool(
            [store.path, "http://127.0.0.1:\(listener.port)/weekly"],
            program: CommandRunner.program(named: "WeeklyBudgetSummary"),
            directory: Fixtures.packageRoot
        )
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout == "budgets warning; the summary was posted\n")
        let body = try #require(listener.requests.first?.body)
        let payload = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        #expect(payload?["text"] as? String == "Budgets this week: warning, 1 alerts")
        #expect((payload?["budgets"] as? [Any])?.count == 4)
    }

    @Test("WeeklyBudgetSummary fails, exit 1, when the webhook refuses the post")
    func weeklyBudgetSummaryRefused() async throws {
        let store = Fixtures.temporaryDirectory()
        _ = try await FocusIngest().ingest(files: [Fixtures.focusSample], into: try EmbeddedCostStore(directory: store))
        let listener = try WebhookListener(statuses: [403])
        defer { listener.stop() }
        let result = try await CommandRunner.runOffPool(
            [store.path, "http://127.0.0.1:\(listener.port)/weekly"],
            program: CommandRunner.program(named: "WeeklyBudgetSummary"),
            directory: Fixtures.packageRoot
        )
        #expect(result.status == 1)
        #expect(result.stdout == "budgets warning; the summary was not posted\n")
    }

    @Test("TeamDigest runs its flow on a store of its own")
    func teamDigest() async throws {
        let result = try await CommandRunner.runOffPool(
            [Fixtures.temporaryDirectory().path],
            program: CommandRunner.program(named: "TeamDigest"),
            directory: Fixtures.packageRoot
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("security: EUR 2.81 and USD 149.59 in 2024-04."))
    }
}
