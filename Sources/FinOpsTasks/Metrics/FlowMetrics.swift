import CoreMetrics
import FlowEngine
import Foundation
import Prometheus

/// Counts and times the runs of a flow's tasks and of whole executions through swift-metrics, into a Prometheus
/// registry of the caller's (never the global one), so a metrics file or a `/metrics` page can show them.
///
/// ```swift
/// let registry = PrometheusCollectorRegistry()
/// let metrics = FlowMetrics(flow: flow, registry: registry)
/// var runner = FlowRunner(observer: metrics.observe)
/// let execution = try await runner.run(flow)
/// metrics.record(execution)
/// print(registry.emitToString())
/// ```
///
/// Series: `finops_task_runs_total{flow,task,type,state}` and `finops_task_run_duration_seconds{flow,type,state}`
/// (a histogram) as each task run ends, `finops_flow_executions_total{flow,state}` and
/// `finops_flow_execution_duration_seconds{flow,state}` when ``record(_:)`` is given the finished execution.
public struct FlowMetrics: Sendable {
    private let flow: String
    private let types: [String: String]
    private let factory: PrometheusMetricsFactory

    /// Metrics of a flow's runs, recorded into `registry`.
    public init(flow: Flow, registry: PrometheusCollectorRegistry) {
        self.flow = "\(flow.namespace).\(flow.id)"
        types = Dictionary(flow.allTasks.map { ($0.id, $0.type) }, uniquingKeysWith: { first, _ in first })
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Records a task run that has ended (pass it to ``FlowEngine/FlowRunner/observer``; other events are ignored).
    @Sendable public func observe(_ event: ExecutionEvent) {
        guard case .taskRunChanged(let run) = event, run.state.isTerminal, let end = run.endDate else { return }
        let type = types[run.taskId] ?? "unknown"
        let state = run.state.rawValue
        Counter(
            label: "finops_task_runs_total",
            dimensions: [("flow", flow), ("task", run.taskId), ("type", type), ("state", state)],
            factory: factory
        ).increment()
        CoreMetrics.Timer(
            label: "finops_task_run_duration_seconds",
            dimensions: [("flow", flow), ("type", type), ("state", state)],
            factory: factory
        ).record(duration: end.timeIntervalSince(run.startDate))
    }

    /// Records a finished execution.
    public func record(_ execution: Execution) {
        let state = execution.state.rawValue
        Counter(
            label: "finops_flow_executions_total",
            dimensions: [("flow", flow), ("state", state)],
            factory: factory
        ).increment()
        CoreMetrics.Timer(
            label: "finops_flow_execution_duration_seconds",
            dimensions: [("flow", flow), ("state", state)],
            factory: factory
        ).record(duration: (execution.endDate ?? execution.startDate).timeIntervalSince(execution.startDate))
    }
}

extension CoreMetrics.Timer {
    /// Records a duration in seconds (whole nanoseconds; negative ones, from clocks set back, and non-numbers as
    /// zero; at most a billion seconds).
    func record(duration seconds: TimeInterval) {
        recordNanoseconds(seconds.isFinite ? Int64(max(0, min(seconds, 1e9)) * 1e9) : 0)
    }
}
