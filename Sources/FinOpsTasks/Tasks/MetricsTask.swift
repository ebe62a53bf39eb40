import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit
import Prometheus

/// `io.finops.cost.Metrics`: the month's cost, forecast, anomalies, budgets, tag coverage, commitments and showback
/// as a Prometheus text file (``CostMetrics``), with the series the run recorded (``FinOpsTaskEnvironment/metrics``), written atomically so a collector never reads half of it.
///
/// ```yaml
/// - id: metrics
///   type: io.finops.cost.Metrics
///   budgets: budgets.yml
///   to: /var/lib/node_exporter/textfile/finops.prom
/// ```
/// Properties as the report's (`month`, `currency`, `where`, `budgets`, `rules`, `tags`) and `to`. Outputs: `uri`
/// and `series` (how many samples were written).
struct MetricsTask: TaskType {
    static let typeNames = ["io.finops.cost.Metrics"]
    let review: ReportSettings
    let output: Template?

    init(properties: TaskProperties) throws {
        review = ReportSettings(properties)
        output = properties.template("to")
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let environment = try context.finOps
        let options = try await review.options(in: context, environment: environment)
        let report = try await CostReport.build(options: options) { query in
            try await environment.pivot(query, context: context)
        }
        var text = CostMetrics.exposition(
            of: report,
            periods: try await environment.store.periods(),
            generatedAt: context.now.timeIntervalSince1970
        )
        // The flow's own series so far: task runs, ingest rows, bytes and time.
        if let registry = environment.metrics { text += registry.emitToString() }
        let file = try environment.outputFile(
            named: "\(context.taskId).prom",
            path: try output.map { try context.render($0) },
            context: context
        )
        try await environment.write(text, to: file)
        let samples = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
        context.log(.info, "\(samples) samples at \(file.path)")
        return ["uri": .string(file.path), "series": .int(samples)]
    }
}
