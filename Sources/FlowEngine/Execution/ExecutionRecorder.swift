import Foundation
import OrderedCollections
import Synchronization

/// The mutable record of one execution, shared by its concurrently running tasks: task runs, outputs, logs, labels.
final class ExecutionRecorder: Sendable {
    struct State {
        var taskRuns: [TaskRun] = []
        var positions: [String: Int] = [:]
        /// `outputs` as expressions see it: by task id, then by loop values inside loops.
        var outputs = OrderedDictionary<String, FlowValue>()
        /// `tasks` as expressions see it: `{taskId: {state}}`, or by loop value inside loops.
        var taskStates = OrderedDictionary<String, FlowValue>()
        var logs: [LogEntry] = []
        var labels: OrderedDictionary<String, String>
    }

    private let state: Mutex<State>
    private let observer: (@Sendable (ExecutionEvent) -> Void)?

    init(labels: OrderedDictionary<String, String>, observer: (@Sendable (ExecutionEvent) -> Void)?) {
        state = Mutex(State(labels: labels))
        self.observer = observer
    }

    func add(_ run: TaskRun) {
        state.withLock { state in
            state.positions[run.id] = state.taskRuns.count
            state.taskRuns.append(run)
        }
        observer?(.taskRunChanged(run))
    }

    /// Changes a task run and records its state for `tasks.<id>.state`.
    func update(_ id: String, loopValues: [String], _ change: (inout TaskRun) -> Void) {
        let updated = state.withLock { state -> TaskRun? in
            guard let position = state.positions[id] else { return nil }
            let before = (state.taskRuns[position].state, state.taskRuns[position].attempts.count)
            change(&state.taskRuns[position])
            let run = state.taskRuns[position]
            // Observers hear of new states and new attempts, not of every change (outputs, end dates).
            guard before != (run.state, run.attempts.count) else { return nil }
            Self.insert(
                ["state": .string(run.state.rawValue)],
                into: &state.taskStates,
                key: run.taskId,
                path: loopValues
            )
            return run
        }
        if let updated { observer?(.taskRunChanged(updated)) }
    }

    func setOutputs(_ outputs: TaskOutputs, taskId: String, loopValues: [String]) {
        guard !outputs.isEmpty else { return }
        state.withLock { state in
            Self.insert(.map(outputs), into: &state.outputs, key: taskId, path: loopValues)
        }
    }

    func log(_ entry: LogEntry) {
        state.withLock { $0.logs.append(entry) }
        observer?(.log(entry))
    }

    func mergeLabels(_ labels: OrderedDictionary<String, String>) {
        state.withLock { state in
            for (key, value) in labels { state.labels[key] = value }
        }
    }

    /// The variables that change while the execution runs.
    var liveVariables: (outputs: FlowValue, tasks: FlowValue, labels: OrderedDictionary<String, String>) {
        state.withLock { (.map($0.outputs), .map($0.taskStates), $0.labels) }
    }

    var errorLogs: [FlowValue] {
        state.withLock { state in
            state.logs.filter { $0.level == .error }.map { entry in
                [
                    "taskId": entry.taskId.map(FlowValue.string) ?? .null,
                    "taskRunId": entry.taskRunId.map(FlowValue.string) ?? .null,
                    "level": .string(entry.level.rawValue), "message": .string(entry.message),
                ]
            }
        }
    }

    var snapshot: State { state.withLock { $0 } }

    /// Puts `value` at `root[key][path[0]][path[1]]…`, creating maps on the way.
    private static func insert(
        _ value: FlowValue,
        into root: inout OrderedDictionary<String, FlowValue>,
        key: String,
        path: [String]
    ) {
        guard let first = path.first else {
            root[key] = value
            return
        }
        var nested: OrderedDictionary<String, FlowValue> = [:]
        if case .map(let existing)? = root[key] { nested = existing }
        root[key] = nil
        insert(value, into: &nested, key: first, path: Array(path.dropFirst()))
        root[key] = .map(nested)
    }
}
