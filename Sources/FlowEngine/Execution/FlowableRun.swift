import Foundation
import OrderedCollections

extension ExecutionRun {
    /// Runs a flowable task's children as its kind schedules them, then its `errors` (after a failure) and `finally`.
    func runFlowable(
        _ flowable: Flowable,
        task: TaskDefinition,
        runId: String,
        start: Date,
        scope: Scope
    ) async -> TaskState {
        var innerScope = scope
        innerScope.parentTaskRunId = runId
        // As in Kestra, `parents` are the flowable task runs around a task, closest first, each with the value of the
        // loop iteration it runs in: inside nested loops, parents[0] of an inner task is the inner loop's own run,
        // whose value is the outer iteration's.
        var frame: OrderedDictionary<String, FlowValue> = ["id": .string(runId)]
        if let value = scope.loopValues.last { frame["value"] = .string(value) }
        innerScope.parents.insert(["taskrun": .map(frame)], at: 0)
        innerScope.retry = task.retry ?? scope.retry
        let inner = innerScope
        var state: TaskState
        switch flowable.kind {
        case .sequential(let tasks), .allowFailure(let tasks):
            state = await runSequence(tasks, scope: inner)
        case .workingDirectory(let tasks):
            state = await runInSharedFolder(tasks, task: task, runId: runId, scope: inner)
        case .parallel(let tasks, let concurrent):
            let jobs: [@Sendable () async -> TaskState] = tasks.filter { !$0.disabled }.map { child in
                { await runTask(child, scope: inner) }
            }
            state = await runConcurrently(jobs, limit: concurrent)
        case .if(let condition, let then, let otherwise):
            let context = evaluation(task: task, taskRunId: runId, startDate: start, attempts: 0, scope: scope)
            do {
                let result = try condition.renderTyped(context).isTruthy
                setOutputs(["evaluationResult": .bool(result)], task: task, runId: runId, scope: scope)
                state = await runSequence(result ? then : otherwise, scope: inner)
            } catch {
                log(.error, "condition: \(error)", task: task, runId: runId)
                state = .failed
            }
        case .switch(let value, let cases, let defaults):
            let context = evaluation(task: task, taskRunId: runId, startDate: start, attempts: 0, scope: scope)
            do {
                let rendered = try value.render(context)
                let chosen = cases.first { $0.key == rendered }?.tasks
                setOutputs(
                    ["value": .string(rendered), "defaults": .bool(chosen == nil)],
                    task: task,
                    runId: runId,
                    scope: scope
                )
                if let tasks = chosen ?? defaults {
                    state = await runSequence(tasks, scope: inner)
                } else {
                    log(.error, "no case matches '\(rendered)' and there are no defaults", task: task, runId: runId)
                    state = .failed
                }
            } catch {
                log(.error, "value: \(error)", task: task, runId: runId)
                state = .failed
            }
        case .forEach(let values, let limit, let tasks):
            guard let items = loopValues(values, task: task, runId: runId, start: start, scope: scope, distinct: true)
            else {
                state = .failed
                break
            }
            let jobs: [@Sendable () async -> TaskState] = items.map { item in
                let frame = iteration(item, scope: inner)
                return { await runSequence(tasks, scope: frame) }
            }
            state = await runConcurrently(jobs, limit: limit)
        case .eachSequential(let values, let tasks):
            guard let items = loopValues(values, task: task, runId: runId, start: start, scope: scope, distinct: false)
            else {
                state = .failed
                break
            }
            var states: [TaskState] = []
            loop: for item in items {
                let frame = iteration(item, scope: inner)
                for child in tasks where !child.disabled {
                    let childState = await runTask(child, scope: frame)
                    states.append(childState)
                    if childState == .failed || childState == .killed { break loop }
                }
            }
            state = .combined(states)
        case .eachParallel(let values, let tasks, let concurrent):
            guard let items = loopValues(values, task: task, runId: runId, start: start, scope: scope, distinct: false)
            else {
                state = .failed
                break
            }
            var jobs: [@Sendable () async -> TaskState] = []
            for item in items {
                let frame = iteration(item, scope: inner)
                for child in tasks where !child.disabled { jobs.append { await runTask(child, scope: frame) } }
            }
            state = await runConcurrently(jobs, limit: concurrent)
        case .dag(let nodes, let concurrent):
            state = await runDag(nodes, limit: concurrent, scope: inner)
        case .pause(let delay, let timeout, let tasks):
            state = await pause(delay: delay, timeout: timeout, task: task, runId: runId, scope: scope)
            if state == .success { state = await runSequence(tasks, scope: inner) }
        }
        if state == .failed && !flowable.errors.isEmpty {
            var handlers = inner
            handlers.handlingErrors = true
            _ = await runSequence(flowable.errors, scope: handlers)
        }
        if case .allowFailure = flowable.kind, state == .failed { state = .warning }
        if !flowable.finally.isEmpty {
            state = .combined([state, await runSequence(flowable.finally, scope: inner)])
        }
        return state
    }

    private func setOutputs(_ outputs: TaskOutputs, task: TaskDefinition, runId: String, scope: Scope) {
        recorder.setOutputs(outputs, taskId: task.id, loopValues: scope.loopValues)
        recorder.update(runId, loopValues: scope.loopValues) { $0.outputs = outputs }
    }

    /// The scope of one loop iteration.
    private func iteration(_ value: String, scope: Scope) -> Scope {
        var frame = scope
        frame.loopValues.append(value)
        return frame
    }

    /// The values a loop runs over, as strings (objects as JSON); nil (after logging why) when they do not render.
    private func loopValues(
        _ values: DynamicValue,
        task: TaskDefinition,
        runId: String,
        start: Date,
        scope: Scope,
        distinct: Bool
    ) -> [String]? {
        let context = evaluation(task: task, taskRunId: runId, startDate: start, attempts: 0, scope: scope)
        var rendered: FlowValue
        do {
            rendered = try values.render(context)
        } catch {
            log(.error, "values: \(error)", task: task, runId: runId)
            return nil
        }
        if case .string(let text) = rendered {
            do {
                rendered = try FlowValue(parsingJSON: text)
            } catch {
                log(.error, "values must be a list or a JSON array, not '\(text)'", task: task, runId: runId)
                return nil
            }
        }
        guard case .list(let items) = rendered else {
            log(.error, "values must be a list, not \(rendered.kindName)", task: task, runId: runId)
            return nil
        }
        let nulls = items.filter { $0 == .null }.count
        guard nulls == 0 else {
            log(.error, "found \(nulls) null value\(nulls == 1 ? "" : "s") to loop over", task: task, runId: runId)
            return nil
        }
        var strings = items.map { item -> String in
            if case .string(let text) = item { return text }
            return item.rendered
        }
        if distinct {
            var seen = Set<String>()
            strings = strings.filter { seen.insert($0).inserted }
        }
        return strings
    }

    /// Starts each Dag task when everything it depends on has ended; after a failure nothing new starts, and the
    /// tasks that depended on the failed one are recorded as SKIPPED.
    private func runDag(_ nodes: [DagNode], limit: Int, scope: Scope) async -> TaskState {
        let active = nodes.filter { !$0.task.disabled }
        let activeIDs = Set(active.map(\.task.id))
        var waitingOn: [String: Set<String>] = [:]
        var dependents: [String: [String]] = [:]
        for node in active {
            waitingOn[node.task.id] = Set(node.dependsOn.filter(activeIDs.contains))
            for dependency in node.dependsOn { dependents[dependency, default: []].append(node.task.id) }
        }
        let byID = Dictionary(active.map { ($0.task.id, $0.task) }, uniquingKeysWith: { first, _ in first })
        var ready = active.map(\.task.id).filter { waitingOn[$0]!.isEmpty }
        var states: [String: TaskState] = [:]
        var failed = false
        await withTaskGroup(of: (String, TaskState).self) { group in
            var running = 0
            while true {
                while !failed && !ready.isEmpty && (limit == 0 || running < limit) {
                    let id = ready.removeFirst()
                    let task = byID[id]!
                    group.addTask { (id, await runTask(task, scope: scope)) }
                    running += 1
                }
                guard let (id, state) = await group.next() else { break }
                running -= 1
                states[id] = state
                if state == .failed || state == .killed {
                    failed = true
                    continue
                }
                for dependent in dependents[id] ?? [] {
                    waitingOn[dependent]?.remove(id)
                    if waitingOn[dependent]?.isEmpty == true && states[dependent] == nil && !ready.contains(dependent) {
                        ready.append(dependent)
                    }
                }
            }
        }
        // Tasks that can no longer run because something they need failed.
        var blocked = Set(states.filter { $0.value == .failed || $0.value == .killed }.map(\.key))
        var changed = true
        while changed {
            changed = false
            for node in active where states[node.task.id] == nil && !blocked.contains(node.task.id) {
                if node.dependsOn.contains(where: blocked.contains) {
                    blocked.insert(node.task.id)
                    changed = true
                }
            }
        }
        for node in active where states[node.task.id] == nil && blocked.contains(node.task.id) {
            recordSkipped(node.task, scope: scope)
        }
        return .combined(states.values)
    }

    private func recordSkipped(_ task: TaskDefinition, scope: Scope) {
        let now = clock.now
        recorder.add(
            TaskRun(
                id: recorder.nextTaskRunID(),
                taskId: task.id,
                value: scope.loopValues.last,
                parentTaskRunId: scope.parentTaskRunId,
                state: .skipped,
                attempts: [],
                outputs: [:],
                startDate: now,
                endDate: now
            )
        )
    }

    /// Pauses the task run: SUCCESS after the delay, FAILED when the timeout comes first (or there is no delay).
    private func pause(
        delay: Duration?,
        timeout: Duration?,
        task: TaskDefinition,
        runId: String,
        scope: Scope
    ) async -> TaskState {
        let start = clock.now
        recorder.update(runId, loopValues: scope.loopValues) { $0.state = .paused }
        do {
            if let timeout, delay.map({ $0 > timeout }) ?? true {
                try await clock.sleep(until: start.adding(timeout))
                log(
                    .error,
                    "paused for longer than its timeout of \(ISODuration.format(timeout))",
                    task: task,
                    runId: runId
                )
                return .failed
            }
            try await clock.sleep(until: start.adding(delay ?? .zero))
        } catch {
            return .killed
        }
        recorder.update(runId, loopValues: scope.loopValues) { $0.state = .running }
        return .success
    }

    /// Runs a `WorkingDirectory`'s tasks in sequence in a new temporary folder they share, removed afterwards.
    private func runInSharedFolder(
        _ tasks: [TaskDefinition],
        task: TaskDefinition,
        runId: String,
        scope: Scope
    ) async -> TaskState {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("flow-\(id)-\(runId)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            log(.error, "cannot create the working directory \(folder.path): \(error)", task: task, runId: runId)
            return .failed
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        var shared = scope
        shared.workingDirectory = folder
        return await runSequence(tasks, scope: shared)
    }

    /// Runs a subflow call as attempts: a failed call (the child failed with `transmitFailed`, or it could not start)
    /// is retried as the task's retry policy says, each attempt a new execution of the child, counted in the task
    /// run's attempts.
    func runSubflowAttempts(
        _ call: SubflowCall,
        task: TaskDefinition,
        runId: String,
        start: Date,
        scope: Scope
    ) async -> TaskState {
        let policy = task.retry ?? scope.retry
        var attempt = 1
        while true {
            beginAttempt(runId: runId, scope: scope)
            var state = await runSubflow(call, task: task, runId: runId, start: start, scope: scope)
            if state == .success, attempt > 1, policy?.warningOnRetry == true { state = .warning }
            let end = clock.now
            endAttempt(attempt, as: state, at: end, runId: runId, scope: scope)
            guard state == .failed else { return state }
            if Task.isCancelled { return .killed }
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

    /// Runs another flow as a child execution.
    func runSubflow(
        _ call: SubflowCall,
        task: TaskDefinition,
        runId: String,
        start: Date,
        scope: Scope
    ) async -> TaskState {
        let context = evaluation(task: task, taskRunId: runId, startDate: start, attempts: 0, scope: scope)
        let namespace: String
        let flowId: String
        var inputs: [String: FlowValue] = [:]
        var labels = OrderedDictionary<String, String>()
        do {
            namespace = try call.namespace.render(context)
            flowId = try call.flowId.render(context)
            if case .map(let map)? = try call.inputs?.render(context) {
                for (key, value) in map { inputs[key] = value }
            }
            if call.inheritLabels {
                for (key, value) in recorder.labels where !key.hasPrefix("system.") { labels[key] = value }
            }
            if case .map(let map)? = try call.labels?.render(context) {
                for (key, value) in map { labels[key] = value.rendered }
            }
        } catch {
            log(.error, "\(error)", task: task, runId: runId)
            return .failed
        }
        guard let child = runner.flows.flow(namespace: namespace, id: flowId) else {
            log(.error, "subflow \(namespace).\(flowId) is not among the known flows", task: task, runId: runId)
            return .failed
        }
        guard depth < 16 else {
            log(.error, "subflows nested more than 16 deep (a flow calling itself?)", task: task, runId: runId)
            return .failed
        }
        labels["system.correlationId"] = recorder.labels["system.correlationId"] ?? id
        let childId = RandomID.make()
        let options = FlowRunner.Options(
            labels: labels,
            trigger: nil,
            executionId: childId,
            environment: self.options.environment,
            timeZone: self.options.timeZone
        )
        let runner = self.runner
        let depth = self.depth + 1
        let childInputs = inputs
        guard call.wait else {
            detached.yield {
                _ = try? await runner.run(child, inputs: childInputs, options: options, depth: depth)
            }
            setOutputs(["executionId": .string(childId)], task: task, runId: runId, scope: scope)
            return .success
        }
        let execution: Execution
        do {
            execution = try await runner.run(child, inputs: inputs, options: options, depth: depth)
        } catch {
            log(.error, "subflow \(namespace).\(flowId) cannot start: \(error)", task: task, runId: runId)
            return .failed
        }
        setOutputs(
            [
                "executionId": .string(execution.id), "state": .string(execution.state.rawValue),
                "outputs": .map(execution.outputs),
            ],
            task: task,
            runId: runId,
            scope: scope
        )
        if call.transmitFailed && !execution.state.isSuccessful {
            log(.error, "subflow \(namespace).\(flowId) ended \(execution.state.rawValue)", task: task, runId: runId)
            return execution.state == .killed ? .killed : .failed
        }
        return .success
    }
}
