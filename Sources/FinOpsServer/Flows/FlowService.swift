import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation
import Prometheus

/// Runs the catalog's flows on the server's store, each in a task of its own, recording every execution in the
/// execution store as it progresses (at most twice a second while it runs, and when it ends) and counting task
/// runs and executions into the server's metrics. While executions run, a heartbeat tells other processes sharing
/// the execution store that they are not abandoned.
final class FlowService: Sendable {
    let catalog: FlowCatalog
    let executions: any ExecutionStore
    let store: any CostStore
    let outputDirectory: URL
    let metrics: PrometheusCollectorRegistry
    /// Who runs executions here, in heartbeats: host and process.
    let owner: String
    private let running = RunningExecutions()

    /// How often the executions running here are marked alive.
    let heartbeatInterval: Duration

    init(
        catalog: FlowCatalog,
        executions: any ExecutionStore,
        store: any CostStore,
        outputDirectory: URL,
        metrics: PrometheusCollectorRegistry,
        heartbeatInterval: Duration = .seconds(10)
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.catalog = catalog
        self.executions = executions
        self.store = store
        self.outputDirectory = outputDirectory
        self.metrics = metrics
        owner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }

    /// Starts an execution of `flow` and returns its id once it is recorded; the execution runs on.
    func start(
        _ flow: Flow,
        inputs: [String: FlowValue],
        startedBy: String,
        trigger: FlowValue = .null,
        id: String = FlowService.newExecutionId()
    ) async throws -> String {
        let record = ExecutionRecord(
            id: id,
            namespace: flow.namespace,
            flowId: flow.id,
            inputs: inputs,
            startedBy: startedBy,
            trigger: trigger
        )
        try await executions.save(record)
        try await executions.heartbeat([id], owner: owner, at: Date())
        let executions = self.executions
        let flowMetrics = FlowMetrics(flow: flow, registry: metrics)
        // Events reach the record in the order they happened, through one stream and one consumer.
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
        var options = FlowRunner.Options(executionId: id)
        options.trigger = trigger == .null ? nil : trigger
        let configuredRunner = runner
        let configuredOptions = options
        let task = Task {
            let consumer = Task {
                var record = record
                let clock = ContinuousClock()
                var saved = clock.now
                for await event in events {
                    record.apply(event)
                    if clock.now - saved >= .milliseconds(500) {
                        try? await executions.save(record)
                        saved = clock.now
                    }
                }
                return record
            }
            var final: ExecutionRecord
            do {
                let execution = try await configuredRunner.run(flow, inputs: inputs, options: configuredOptions)
                flowMetrics.record(execution)
                sink.finish()
                final = await consumer.value
                final.finish(with: execution)
            } catch let error as FlowRunError {
                sink.finish()
                final = await consumer.value
                final.fail(error.problems)
            } catch {
                sink.finish()
                final = await consumer.value
                final.fail(["\(error)"])
            }
            do {
                try await executions.save(final)
            } catch {
                // The execution ran; only its record is lost. The next heartbeat-less check marks it failed.
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

    /// Waits for an execution started here to end.
    func wait(_ id: String) async {
        await running.task(id)?.value
    }

    /// Beats for the executions running here until cancelled.
    func beat() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: heartbeatInterval)
            let ids = await running.ids
            if !ids.isEmpty { try? await executions.heartbeat(ids, owner: owner, at: Date()) }
        }
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
    /// Executions that ended before they were added (a run quicker than its registration).
    private var ended: Set<String> = []

    var ids: [String] { Array(tasks.keys) }

    func add(_ id: String, _ task: Task<Void, Never>) {
        if ended.remove(id) == nil { tasks[id] = task }
    }

    func remove(_ id: String) {
        if tasks.removeValue(forKey: id) == nil { ended.insert(id) }
    }
    func task(_ id: String) -> Task<Void, Never>? { tasks[id] }

    func cancel(_ id: String) -> Bool {
        guard let task = tasks[id] else { return false }
        task.cancel()
        return true
    }
}
