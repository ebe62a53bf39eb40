import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Testing

@Suite("the monthly cost review flow")
struct MonthlyReviewFlowTests {
    @Test("runs end to end on an empty store: every task succeeds, files are written, totals are the store's")
    func endToEnd() async throws {
        let harness = try FinOpsFlowHarness()
        let test = try harness.test(file: "Examples/flows/monthly_cost_review.yml")
        let result = try await test.run()
        for run in result.execution.taskRuns where run.taskId != "notify" {
            #expect(run.state == .success || run.state == .warning, "\(run.taskId) ended \(run.state)")
        }
        #expect(result.taskRun("notify")?.state == .skipped)
        try result.expectState(.warning)
        #expect(result.flowOutputs["rows"] == 8000)

        // The ingest's exact totals are what the store holds.
        let periods = try await harness.store.periods()
        #expect(periods.reduce(0) { $0 + $1.rowCount } == 8000)
        let ingested = result.outputs(of: "ingest")?["periods"]
        #expect(ingested?.listCount == periods.count)
        let first = try #require(ingested?.listFirst)
        let totals = try #require(periods.first?.totals.first { $0.currency == "USD" })
        #expect(first["totals"]?["USD"]?["effectiveCost"] == FlowValue(exactly: totals.effectiveCost))

        // The pivot's rows are the store's pivot, and its CSV file is written.
        let pivot = try #require(result.outputs(of: "by_service"))
        #expect(pivot["size"] == 60)
        let csv = try String(contentsOfFile: try #require(pivot["uri"]?.rendered), encoding: .utf8)
        #expect(csv.hasPrefix("ServiceName,month(ChargePeriodStart),sum(EffectiveCost)\n"))

        // Budgets found what the example budgets are set to find.
        let budgets = try #require(result.outputs(of: "budgets"))
        #expect(budgets["state"] == "breached")
        #expect(result.taskRun("budgets")?.state == .warning)

        // The report and the metrics are where the outputs say.
        let report = try String(contentsOfFile: try #require(result.flowOutputs["report"]?.rendered), encoding: .utf8)
        for id in ["daily-cost", "by-service", "by-account", "movers", "budgets", "tag-coverage", "commitments"] {
            #expect(report.contains("<svg id=\"\(id)\""), "the report has no chart \(id)")
        }
        #expect(report.contains("Showback"))
        #expect(report.contains("Cost by provider and month"))
        let metrics = try String(contentsOfFile: try #require(result.flowOutputs["metrics"]?.rendered), encoding: .utf8)
        #expect(metrics.contains("finops_cost{currency=\"USD\",month=\"2024-04\"}"))
        #expect(metrics.contains("finops_budget_state{budget=\"google cloud\",currency=\"USD\"} 2"))
        #expect(metrics.contains("finops_stored_rows{source=\"sample\",period=\"2024-01\"}"))
    }

    @Test("budget alerts are posted to the webhook given as an input")
    func webhook() async throws {
        let listener = try WebhookListener(statuses: [200])
        defer { listener.stop() }
        let harness = try FinOpsFlowHarness()
        var test = try harness.test(file: "Examples/flows/monthly_cost_review.yml")
        test.mock("report", outputs: ["uri": "/tmp/report.html", "month": "2024-04"])
        test.mock("metrics", outputs: ["uri": "/tmp/metrics.prom"])
        let result = try await test.run(inputs: ["webhook": .string("http://127.0.0.1:\(listener.port)/hook")])
        try result.expectState(.warning)
        #expect(result.outputs(of: "notify")?["status"] == 200)
        let request = try #require(listener.requests.first)
        #expect(request.head.hasPrefix("POST /hook HTTP/1.1"))
        let payload = try FlowValue(parsingJSON: request.body)
        #expect(payload["report"] == "/tmp/report.html")
        let text = try #require(payload["text"]?.rendered)
        #expect(text.hasPrefix("Budget alerts for 2024-04: cloud: actual ≥ 70%: 2321.466132828857200589 ≥ 2240;"))
        #expect(text.contains("google cloud: actual ≥ amount: 147.035763607262408336 ≥ 140"))
        #expect(payload["alerts"]?.listCount == result.outputs(of: "budgets")?["alerts"]?.listCount)
    }

    @Test("the YAML test suite beside the flow passes")
    func suite() async throws {
        let harness = try FinOpsFlowHarness()
        let folder = Fixtures.packageRoot.appendingPathComponent("Examples/flows")
        let flows = try FlowRepository(directories: [folder], parser: FlowParser(registry: .finOps))
        let suite = try TestSuite(
            try YAMLNode.parse(contentsOf: folder.appendingPathComponent("monthly_cost_review_tests.yml")),
            file: "monthly_cost_review_tests.yml"
        )
        var services = TaskServices()
        services[FinOpsTaskEnvironment.self] = harness.environment
        let result = await TestSuiteRunner(flows: flows, services: services, concurrency: 1).run(suite)
        for testCase in result.cases {
            #expect(testCase.state == .success, "\(testCase.testCase.id): \(testCase.failures)")
        }
        #expect(result.cases.count >= 3)
    }
}

extension FlowValue {
    var listCount: Int? {
        if case .list(let items) = self { return items.count }
        return nil
    }
}
