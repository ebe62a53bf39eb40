import Foundation
import OrderedCollections
import Synchronization

/// Where a task runs: under which flowable task run, inside which loops, with which inherited retry.
struct Scope: Sendable {
    var parentTaskRunId: String?
    /// The enclosing loops' values, outermost first.
    var loopValues: [String] = []
    /// `parents`: one frame per enclosing flowable task run, closest first (its id and iteration value).
    var parents: [FlowValue] = []
    /// The retry of the nearest enclosing flowable that has one, else the flow's.
    var retry: RetryPolicy?
    /// Inside an `errors` handler, where `errorLogs()` is useful.
    var handlingErrors = false
    /// The folder a `WorkingDirectory` task shares among its tasks.
    var workingDirectory: URL?
}

/// One execution of a flow: runs its tasks, handlers and outputs, recording everything in a recorder.
struct ExecutionRun: Sendable {
    let flow: Flow
    let id: String
    let inputs: FlowValue
    let options: FlowRunner.Options
    let runner: FlowRunner
    let depth: Int
    let recorder: ExecutionRecorder
    let startDate: Date
    let baseVariables: [String: FlowValue]
    let detached: AsyncStream<@Sendable () async -> Void>.Continuation
    private let detachedJobs: AsyncStream<@Sendable () async -> Void>

    var clock: any FlowClock { runner.clock }

    init(
        flow: Flow,
        id: String,
        inputs: FlowValue,
        labels: OrderedDictionary<String, String>,
        options: FlowRunner.Options,
        runner: FlowRunner,
        depth: Int
    ) {
        self.flow = flow
        self.id = id
        self.inputs = inputs
        self.options = options
        self.runner = runner
        self.depth = depth
        recorder = ExecutionRecorder(labels: labels, observer: runner.observer)
        startDate = runner.clock.now
        var flowVariable: OrderedDictionary<String, FlowValue> = [
            "id": .string(flow.id), "namespace": .string(flow.namespace),
        ]
        if let revision = flow.revision { flowVariable["revision"] = .int(revision) }
        var variables: [String: FlowValue] = [
            "flow": .map(flowVariable),
            "execution": ["id": .string(id), "startDate": .string(Timestamps.iso(startDate))],
            "inputs": inputs,
            "vars": .map(flow.variables),
        ]
        if let trigger = options.trigger { variables["trigger"] = trigger }
        for (name, value) in options.variables where variables[name] == nil { variables[name] = value }
        if !options.environment.isEmpty {
            variables["envs"] = .map(
                OrderedDictionary(
                    uniqueKeysWithValues: options.environment.sorted { $0.key < $1.key }.map {
                        ($0.key, FlowValue.string($0.value))
                    }
                )
            )
        }
        baseVariables = variables
        (detachedJobs, detached) = AsyncStream<@Sendable () async -> Void>.makeStream()
    }

    /// Runs the flow's tasks, then `errors` if one failed, then `finally`, then renders the outputs.
    func execute() async -> Execution {
        let root = Scope(retry: flow.retry)
        let state = await withTaskGroup(of: TaskState?.self) { group in
            group.addTask {
                let state = await runMain(root)
                detached.finish()
                return state
            }
            for await job in detachedJobs {
                group.addTask {
                    await job()
                    return nil
                }
            }
            var main = TaskState.killed
            for await result in group { if let result { main = result } }
            return main
        }
        var final = Task.isCancelled ? .killed : state
        var outputs = OrderedDictionary<String, FlowValue>()
        if final.isSuccessful && !flow.outputs.isEmpty {
            do {
                outputs = try renderOutputs()
            } catch {
                recorder.log(
                    LogEntry(
                        taskId: nil,
                        taskRunId: nil,
                        level: .error,
                        message: "flow outputs: \(error)",
                        timestamp: clock.now
                    )
                )
                final = .failed
            }
        }
        let record = recorder.snapshot
        let context = evaluation(task: nil, taskRunId: nil, startDate: clock.now, attempts: 0, scope: Scope())
        var variables = context.variables
        for name in ["outputs", "tasks"] { variables[name] = recorder.variable(name) }
        variables["execution"] = [
            "id": .string(id), "startDate": .string(Timestamps.iso(startDate)), "state": .string(final.rawValue),
            "outputs": .map(outputs),
        ]
        var execution = Execution(
            id: id,
            namespace: flow.namespace,
            flowId: flow.id,
            state: final,
            startDate: startDate,
            endDate: clock.now,
            inputs: inputs,
            labels: record.labels,
            taskRuns: record.taskRuns,
            outputs: outputs,
            logs: record.logs
        )
        execution.finalVariables = variables
        return execution
    }

    private func runMain(_ root: Scope) async -> TaskState {
        var state = await runSequence(flow.tasks, scope: root)
        if state == .failed && !flow.errors.isEmpty {
            var handlers = root
            handlers.handlingErrors = true
            _ = await runSequence(flow.errors, scope: handlers)
        }
        if !flow.finally.isEmpty {
            let finallyState = await runSequence(flow.finally, scope: root)
            state = .combined([state, finallyState])
        }
        return state
    }

    private func renderOutputs() throws -> OrderedDictionary<String, FlowValue> {
        let context = evaluation(task: nil, taskRunId: nil, startDate: clock.now, attempts: 0, scope: Scope())
        var outputs = OrderedDictionary<String, FlowValue>()
        for output in flow.outputs {
            let value = try output.value.render(context)
            do {
                outputs[output.id] = try InputDefinition.convert(value, to: output.type, input: output.id)
            } catch {
                throw TaskFailure("output `\(output.id)`: \(error.reason), but got `\(value.rendered)`")
            }
        }
        return outputs
    }

    // MARK: Tasks

    /// Runs tasks one after the other; the first that fails (or is killed) stops the rest.
    func runSequence(_ tasks: [TaskDefinition], scope: Scope) async -> TaskState {
        var states: [TaskState] = []
        for task in tasks where !task.disabled {
            if Task.isCancelled { return .killed }
            let state = await runTask(task, scope: scope)
            states.append(state)
            if state == .failed || state == .killed { break }
        }
        return .combined(states)
    }

    /// Runs tasks concurrently, at most `limit` at a time (0: no limit); after a failure no new one starts.
    func runConcurrently(_ jobs: [@Sendable () async -> TaskState], limit: Int) async -> TaskState {
        await withTaskGroup(of: TaskState.self) { group in
            var next = 0
            var running = 0
            var stop = false
            var states: [TaskState] = []
            while true {
                while !stop && next < jobs.count && (limit == 0 || running < limit) {
                    let job = jobs[next]
                    group.addTask { await job() }
                    next += 1
                    running += 1
                }
                guard let state = await group.next() else { break }
                running -= 1
                states.append(state)
                if state == .failed || state == .killed { stop = true }
            }
            return .combined(states)
        }
    }

    /// Runs one task: its run condition, its body, then allowFailure and allowWarning.
    func runTask(_ task: TaskDefinition, scope: Scope) async -> TaskState {
        let runId = recorder.nextTaskRunID()
        let start = clock.now
        recorder.add(
            TaskRun(
                id: runId,
                taskId: task.id,
                value: scope.loopValues.last,
                parentTaskRunId: scope.parentTaskRunId,
                state: .running,
                attempts: [],
                outputs: [:],
                startDate: start
            )
        )
        var state: TaskState
        if let runIf = task.runIf, let skip = shouldSkip(task, runIf: runIf, runId: runId, start: start, scope: scope) {
            state = skip
        } else if let fixture = runner.fixtures.fixture(for: task, value: scope.loopValues.last), !task.isRunnable {
            state = applyFixture(fixture, task: task, runId: runId, start: start, scope: scope)
        } else {
            switch task.body {
            case .runnable(let type):
                state = await runAttempts(of: type, task: task, runId: runId, start: start, scope: scope)
            case .flowable(let flowable):
                state = await runFlowable(flowable, task: task, runId: runId, start: start, scope: scope)
            case .subflow(let call):
                state = await runSubflowAttempts(call, task: task, runId: runId, start: start, scope: scope)
            }
        }
        if state == .failed && task.allowFailure { state = .warning }
        if state == .warning && task.allowWarning { state = .success }
        let end = clock.now
        let final = state
        recorder.update(runId, loopValues: scope.loopValues) { run in
            run.state = final
            run.endDate = end
        }
        return state
    }

    /// SKIPPED when `runIf` renders false, FAILED when it does not render, nil when the task runs.
    private func shouldSkip(
        _ task: TaskDefinition,
        runIf: Template,
        runId: String,
        start: Date,
        scope: Scope
    ) -> TaskState? {
        let context = evaluation(task: task, taskRunId: runId, startDate: start, attempts: 0, scope: scope)
        do {
            return try runIf.renderTyped(context).isTruthy ? nil : .skipped
        } catch {
            log(.error, "runIf: \(error)", task: task, runId: runId)
            return .failed
        }
    }

    /// Records a new attempt of a task run, running from now; when it started.
    @discardableResult
    func beginAttempt(runId: String, scope: Scope) -> Date {
        let start = clock.now
        recorder.update(runId, loopValues: scope.loopValues) { run in
            run.state = .running
            run.attempts.append(Attempt(state: .running, startDate: start))
        }
        return start
    }

    /// Records how attempt `attempt` (1-based) of a task run ended, with the outputs of a successful one.
    func endAttempt(
        _ attempt: Int,
        as state: TaskState,
        at end: Date,
        runId: String,
        scope: Scope,
        outputs: TaskOutputs? = nil
    ) {
        recorder.update(runId, loopValues: scope.loopValues) { run in
            if let outputs { run.outputs = outputs }
            guard run.attempts.indices.contains(attempt - 1) else { return }
            run.attempts[attempt - 1].state = state
            run.attempts[attempt - 1].endDate = end
        }
    }

    /// Attempts a runnable task until it succeeds or its retry policy gives up.
    private func runAttempts(
        of type: any TaskType,
        task: TaskDefinition,
        runId: String,
        start: Date,
        scope: Scope
    ) async -> TaskState {
        let policy = task.retry ?? scope.retry
        var attempt = 1
        while true {
            let attemptStart = beginAttempt(runId: runId, scope: scope)
            let index = attempt - 1
            let context = TaskContext(
                evaluation: evaluation(task: task, taskRunId: runId, startDate: start, attempts: index, scope: scope),
                taskId: task.id,
                taskRunId: runId,
                value: scope.loopValues.last,
                attempt: attempt,
                services: runner.services,
                workingDirectory: scope.workingDirectory,
                recorder: recorder,
                clock: clock,
                logLevel: task.logLevel ?? .trace,
                deadline: task.timeout.map { attemptStart.adding($0) },
                flags: TaskContext.Flags()
            )
            let outcome: Result<TaskOutputs, any Error>
            if let fixture = runner.fixtures.fixture(for: task, value: scope.loopValues.last) {
                outcome = Result { try Self.outcome(of: fixture, context: context) }
            } else {
                do {
                    outcome = .success(try await withDeadline(context.deadline) { try await type.run(context) })
                } catch {
                    outcome = .failure(error)
                }
            }
            let end = clock.now
            switch outcome {
            case .success(let outputs):
                var state: TaskState = context.flags.warning.withLock { $0 } ? .warning : .success
                if attempt > 1 && policy?.warningOnRetry == true { state = .warning }
                recorder.setOutputs(outputs, taskId: task.id, loopValues: scope.loopValues)
                endAttempt(attempt, as: state, at: end, runId: runId, scope: scope, outputs: outputs)
                return state
            case .failure(let error):
                if Task.isCancelled {
                    endAttempt(attempt, as: .killed, at: end, runId: runId, scope: scope)
                    return .killed
                }
                let message =
                    error is TaskTimeoutError
                    ? "attempt \(attempt) timed out after \(ISODuration.format(task.timeout ?? .zero))"
                    : "\(error)"
                log(.error, message, task: task, runId: runId)
                endAttempt(attempt, as: .failed, at: end, runId: runId, scope: scope)
                if let ended = await retryAfterFailure(
                    attempt,
                    policy: policy,
                    start: start,
                    end: end,
                    runId: runId,
                    scope: scope
                ) {
                    return ended
                }
                attempt += 1
            }
        }
    }

    /// After a failed attempt: waits, on the engine's clock, the delay the retry policy gives before the next attempt
    /// (the task run RETRYING meanwhile) and returns `nil`; returns the final state instead when the policy gives up
    /// (FAILED) or the wait is cancelled (KILLED).
    func retryAfterFailure(
        _ attempt: Int,
        policy: RetryPolicy?,
        start: Date,
        end: Date,
        runId: String,
        scope: Scope
    ) async -> TaskState? {
        let delay = policy?.delay(
            after: attempt,
            elapsed: .seconds(end.timeIntervalSince(start)),
            random: Double.random(in: 0..<1)
        )
        recorder.update(runId, loopValues: scope.loopValues) { $0.state = delay == nil ? .failed : .retrying }
        guard let delay else { return .failed }
        do {
            try await clock.sleep(until: end.adding(delay))
        } catch {
            return .killed
        }
        return nil
    }

    /// Runs an attempt, failing it with ``TaskTimeoutError`` at the deadline. Under a virtual clock the deadline
    /// is enforced by ``TaskContext/sleep(for:)`` instead, since work takes no virtual time.
    private func withDeadline(
        _ deadline: Date?,
        _ operation: @escaping @Sendable () async throws -> TaskOutputs
    ) async throws -> TaskOutputs {
        guard let deadline, !clock.isVirtual else { return try await operation() }
        let clock = self.clock
        return try await withThrowingTaskGroup(of: TaskOutputs.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await clock.sleep(until: deadline)
                throw TaskTimeoutError()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    // MARK: Fixtures

    /// A runnable attempt's result under a fixture: its outputs, or the failure it stands for.
    private static func outcome(of fixture: TaskFixture, context: TaskContext) throws -> TaskOutputs {
        var outputs = TaskOutputs()
        if case .map(let map)? = try fixture.outputs?.render(context.evaluation) { outputs = map }
        switch fixture.state {
        case .failed, .killed:
            throw TaskFailure(fixture.errorMessage ?? "failed by a test fixture")
        case .warning:
            context.markWarning()
        default:
            break
        }
        return outputs
    }

    /// A flowable or subflow replaced by a fixture: its children do not run.
    private func applyFixture(
        _ fixture: TaskFixture,
        task: TaskDefinition,
        runId: String,
        start: Date,
        scope: Scope
    ) -> TaskState {
        let context = evaluation(task: task, taskRunId: runId, startDate: start, attempts: 0, scope: scope)
        do {
            if case .map(let outputs)? = try fixture.outputs?.render(context) {
                recorder.setOutputs(outputs, taskId: task.id, loopValues: scope.loopValues)
                recorder.update(runId, loopValues: scope.loopValues) { $0.outputs = outputs }
            }
        } catch {
            log(.error, "fixture outputs: \(error)", task: task, runId: runId)
            return .failed
        }
        if let message = fixture.errorMessage { log(.error, message, task: task, runId: runId) }
        return fixture.state
    }

    // MARK: Context

    /// The variables of a task run's expressions.
    func evaluation(
        task: TaskDefinition?,
        taskRunId: String?,
        startDate: Date,
        attempts: Int,
        scope: Scope
    ) -> EvaluationContext {
        var variables = baseVariables
        variables["labels"] = recorder.labelsVariable
        if let task {
            variables["task"] = ["id": .string(task.id), "type": .string(task.type)]
            var taskrun: OrderedDictionary<String, FlowValue> = [
                "id": .string(taskRunId ?? ""), "startDate": .string(Timestamps.iso(startDate)),
                "attemptsCount": .int(attempts),
            ]
            if let value = scope.loopValues.last { taskrun["value"] = .string(value) }
            if let parent = scope.parentTaskRunId { taskrun["parentId"] = .string(parent) }
            variables["taskrun"] = .map(taskrun)
        }
        if let closest = scope.parents.first {
            variables["parent"] = closest
            variables["parents"] = .list(scope.parents)
        }
        var context = EvaluationContext(
            variables: variables,
            now: clock.now,
            timeZone: options.timeZone,
            loopValues: scope.loopValues,
            errorLogs: scope.handlingErrors ? recorder.errorLogs : []
        )
        // Outputs and task states are read when an expression uses them: copying them for every task run would
        // make a loop of n iterations cost n² once they are large.
        let recorder = self.recorder
        context.deferredVariables = DeferredVariables(names: ["outputs", "tasks"]) { name in
            recorder.variable(name)
        }
        return context
    }

    func log(_ level: LogLevel, _ message: String, task: TaskDefinition?, runId: String?) {
        recorder.log(LogEntry(taskId: task?.id, taskRunId: runId, level: level, message: message, timestamp: clock.now))
    }
}

/// ISO-8601 texts of instants in UTC, as Kestra renders `execution.startDate` and `taskrun.startDate`: truncated to
/// the millisecond, a four-digit year, the fraction only when it is not zero (`2024-01-17T15:49:10.123Z`).
enum Timestamps {
    static func iso(_ date: Date) -> String {
        // Instants beyond ±285,000 years are shown at that bound rather than trapping on conversion.
        let bound = 9_000_000_000_000_000.0
        let milliseconds = Int(max(-bound, min(bound, (date.timeIntervalSince1970 * 1_000).rounded(.down))))
        func floorDivided(_ value: Int, _ divisor: Int) -> (Int, Int) {
            let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
            return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
        }
        let (whole, fraction) = floorDivided(milliseconds, 1_000)
        let (day, second) = floorDivided(whole, 86_400)
        let (y, m, d) = LocalDateTime.civil(fromDays: day)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value.magnitude)
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var text =
            "\(padded(y, 4))-\(padded(m, 2))-\(padded(d, 2))T\(padded(second / 3600, 2)):"
            + "\(padded(second % 3600 / 60, 2)):\(padded(second % 60, 2))"
        if fraction > 0 { text += "." + padded(fraction, 3) }
        return text + "Z"
    }
}
