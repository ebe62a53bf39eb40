import FinOpsAnalytics
import FinOpsCore
import FinOpsTasks
import FinOpsTestSupport
import FlowEngine
import FlowTesting
import Foundation
import Prometheus
import Testing

/// Python's `prometheus_client` (the format's reference parser, from PyPI), where installed; `.ci/run` installs it,
/// and with `CI` set a missing parser fails the test instead of skipping it.
enum ExpositionParser {
    static let available: Bool =
        (try? CommandRunner.run(["python3", "-c", "import prometheus_client"], program: env))?.status == 0

    static let env = URL(fileURLWithPath: "/usr/bin/env")

    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// Every sample of a text exposition as `name{label=value,…} value` lines, as the reference parser reads them.
    static func samples(of text: String) async throws -> [String] {
        let file = Fixtures.temporaryDirectory().appendingPathComponent("metrics.prom")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let script = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                    print(f"{family.type} {s.name}{{{labels}}} {s.value!r}")
            """
        let output = try await CommandRunner.runOffPool(
            ["python3", "-c", script, file.path],
            program: env
        )
        #expect(output.status == 0, "the parser refused the text: \(output.stderr)")
        return output.stdout.split(separator: "\n").map(String.init)
    }
}

@Suite("metrics")
struct MetricsTests {
    @Test(
        "the review's metrics and a flow's task runs parse with Prometheus' own parser, every sample",
        .enabled(if: ExpositionParser.available || ExpositionParser.required)
    )
    func parsedBack() async throws {
        let (report, store) = try await CostReportTests.review()
        let registry = PrometheusCollectorRegistry()
        let flow = try FlowParser(registry: .finOps).parse(
            "id: f\nnamespace: t\ntasks:\n  - id: a\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n"
        )
        let metrics = FlowMetrics(flow: flow, registry: registry)
        var runner = FlowRunner(observer: metrics.observe)
        runner.clock = VirtualClock(start: Date(timeIntervalSince1970: 0))
        metrics.record(try await runner.run(flow))
        let text =
            CostMetrics.exposition(of: report, periods: try await store.periods(), generatedAt: 1_713_506_400)
            + registry.emitToString()
        let samples = try await ExpositionParser.samples(of: text)
        let written = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(samples.count == written.count)
        #expect(samples.contains("gauge finops_cost{currency=USD,month=2024-04} \(ExporterText.of(report.monthTotal))"))
        #expect(samples.contains("gauge finops_budget_state{budget=google cloud,currency=USD} 2.0"))
        let march = try #require(report.previousMonthTotal)
        #expect(samples.contains("gauge finops_cost{currency=USD,month=2024-03} \(ExporterText.of(march.amount))"))
        #expect(
            samples.contains(
                "counter finops_task_runs_total{flow=t.f,state=SUCCESS,task=a,type=io.kestra.plugin.core.log.Log} 1"
            )
        )
        #expect(samples.contains("counter finops_flow_executions_total{flow=t.f,state=SUCCESS} 1"))
        #expect(
            samples.contains(
                "histogram finops_flow_execution_duration_seconds_bucket{flow=t.f,le=+Inf,state=SUCCESS} 1"
            )
        )
    }

    @Test("every query of the Grafana dashboard names a metric the exporter writes")
    func dashboard() async throws {
        let (report, store) = try await Self.reviewMetrics()
        let names = Set(
            (report + store).split(separator: "\n").filter { !$0.hasPrefix("#") }
                .compactMap { $0.split(whereSeparator: { "{ ".contains($0) }).first.map(String.init) }
        )
        let url = Fixtures.packageRoot.appendingPathComponent("Examples/grafana/finops.json")
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        var queries: [String] = []
        func collect(_ value: Any) {
            if let map = value as? [String: Any] {
                for (key, item) in map {
                    if ["expr", "query", "definition"].contains(key), let text = item as? String {
                        queries.append(text)
                    }
                    collect(item)
                }
            } else if let list = value as? [Any] {
                list.forEach(collect)
            }
        }
        collect(dashboard)
        #expect(queries.count >= 10)
        for query in queries {
            let used = query.matches(of: #/finops_[a-z_]+/#).map { String($0.output) }
            #expect(!used.isEmpty, "a query names no finops metric: \(query)")
            for name in used { #expect(names.contains(name), "\(name) in \(query) is not written by the exporter") }
        }
    }

    /// The text `finops metrics` writes for the review, and an ingest's and a flow's own series.
    static func reviewMetrics() async throws -> (String, String) {
        let (report, store) = try await CostReportTests.review()
        let text = CostMetrics.exposition(of: report, periods: try await store.periods(), generatedAt: 0)
        let harness = try FinOpsFlowHarness()
        let registry = PrometheusCollectorRegistry()
        var test = try harness.test(
            "id: f\nnamespace: t\ntasks:\n  - id: ingest\n    type: io.finops.cost.Ingest\n    from: \(Fixtures.focusSample)\n"
        )
        var environment = harness.environment
        environment.metrics = registry
        test.services[FinOpsTaskEnvironment.self] = environment
        try await test.run().expectState(.success)
        return (text, registry.emitToString())
    }

    @Test("an ingest task counts rows, bytes and time per source")
    func ingestCounts() async throws {
        let (_, recorded) = try await Self.reviewMetrics()
        #expect(recorded.contains("finops_ingest_rows_total{source=\"focus_sample\"} 1000"))
        let size = try FileManager.default.attributesOfItem(atPath: Fixtures.focusSample)[.size] as? Int
        #expect(recorded.contains("finops_ingest_bytes_total{source=\"focus_sample\"} \(size ?? -1)"))
        #expect(recorded.contains("finops_ingest_duration_seconds_count{task=\"ingest\"} 1"))
    }
}

/// An amount as the exporter writes it (a float64's shortest text).
enum ExporterText {
    static func of(_ amount: ExactDecimal) -> String {
        "\(amount.doubleValue)"
    }
}
