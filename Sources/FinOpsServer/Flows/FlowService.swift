import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation
import Prometheus

/// Runs the catalog's flows on the server's store, each in a task of its own, recording every execution as it
/// progresses and counting task runs and executions into the server's metrics.
final class FlowService: Sendable {
    let catalog: FlowCatalog
    let history: ExecutionHistory
    let store: any CostStore
    let outputDirectory: URL
    let metrics: PrometheusCollectorRegistry
    private let running = RunningExecutions()

    init(catalog: FlowCatalog, store: any CostStore, outputDirectory: URL, metrics: PrometheusCollectorRegistry) {
        self.catalog = catalog
        self.history = ExecutionHistory()
        self.store = store
        self.outputDirectory = outputDirectory
        self.metrics = metrics
    }

    /// Starts an execution of `flow` and returns its id at once; the execution runs on.
    func start(_ flow: Flow, inputs: [String: FlowValue], startedBy: String) async -> String {
        let id = Self.newExecutionId()
        await history.started(
            ExecutionRecord(
                id: id,
                namespace: flow.namespace,
                flowId: flow.id,
                state: .running,
                startDate: Date(),
                inputs: inputs,
                startedBy: startedBy,
                taskRuns: [:],
                logs: [],
                outputs: [:],
                problems: []
            )
        )
        let history = self.history
        let flowMetrics = FlowMetrics(flow: flow, registry: metrics)
        // Events reach the history in the order they happened, through one stream and one consumer.
        let (events, sink) = AsyncStream.makeStream(of: ExecutionEvent.self)
        var runner = FlowRunner(
            flows: catalog.repository(),
            observer: { event in
                flowMetrics.observe(event)
                sink.yield(event)
            }
        )
        var environment = FinOpsTaskEnvironment(store: store, outputDirectory: outputDirectory)
        environment.metrics = metrics
        runner.services[FinOpsTaskEnvironment.self] = environment
        let task = Task {
            let consumer = Task { for await event in events { await history.apply(event, to: id) } }
            do {
                let execution = try await runner.run(flow, inputs: inputs, options: .init(executionId: id))
                flowMetrics.record(execution)
                sink.finish()
                await consumer.value
                await history.finished(execution)
            } catch let error as FlowRunError {
                sink.finish()
                await consumer.value
                await history.failed(id, problems: error.problems)
            } catch {
                sink.finish()
                await consumer.value
                await history.failed(id, problems: ["\(error)"])
            }
            await self.running.remove(id)
        }
        await running.add(id, task)
        return id
    }

    /// Cancels a running execution: its running tasks are killed and it ends KILLED.
    func kill(_ id: String) async -> Bool {
        await running.cancel(id)
    }

    /// Waits for an execution to end (for API callers that ask to wait).
    func wait(_ id: String) async {
        await running.task(id)?.value
    }

    static func newExecutionId() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var generator = SystemRandomNumberGenerator()
        return String((0..<22).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }
}

/// The tasks of executions still running, by id.
private actor RunningExecutions {
    private var tasks: [String: Task<Void, Never>] = [:]

    func add(_ id: String, _ task: Task<Void, Never>) { tasks[id] = task }
    func remove(_ id: String) { tasks[id] = nil }
    func task(_ id: String) -> Task<Void, Never>? { tasks[id] }

    func cancel(_ id: String) -> Bool {
        guard let task = tasks[id] else { return false }
        task.cancel()
        return true
    }
}
