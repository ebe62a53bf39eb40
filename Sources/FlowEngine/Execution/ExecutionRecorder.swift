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
        var labels: OrderedDictionary<String, String> {
            didSet { labelsVariable = ExecutionRecorder.labelVariable(labels) }
        }
        /// `labels` as expressions see it, kept with the labels rather than rebuilt for every task run.
        var labelsVariable: FlowValue

        init(labels: OrderedDictionary<String, String>) {
            self.labels = labels
            labelsVariable = ExecutionRecorder.labelVariable(labels)
        }
    }

    /// Labels as expressions see them: `system.*` keys nested under `system`.
    static func labelVariable(_ labels: OrderedDictionary<String, String>) -> FlowValue {
        var map = OrderedDictionary<String, FlowValue>()
        var system = OrderedDictionary<String, FlowValue>()
        for (key, value) in labels {
            if key.hasPrefix("system.") {
                system[String(key.dropFirst(7))] = .string(value)
            } else {
                map[key] = .string(value)
            }
        }
        if !system.isEmpty { map["system"] = .map(system) }
        return .map(map)
    }

    private let state: Mutex<State>
    private let observer: (@Sendable (ExecutionEvent) -> Void)?
    private let idKey = UInt64.random(in: .min ... .max)
    private let idCounter = Atomic<UInt64>(0)

    init(labels: OrderedDictionary<String, String>, observer: (@Sendable (ExecutionEvent) -> Void)?) {
        state = Mutex(State(labels: labels))
        self.observer = observer
    }

    /// A task run id unique in the execution and, with a random key per execution, across executions: 11 base-62
    /// characters, short enough to be stored inline in a `String`.
    func nextTaskRunID() -> String {
        var value = idKey &+ idCounter.wrappingAdd(1, ordering: .relaxed).newValue &* 0x9E37_79B9_7F4A_7C15
        // SplitMix64's finaliser, so consecutive ids do not look alike.
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        value ^= value >> 31
        return RandomID.base62(value)
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
    var labelsVariable: FlowValue { state.withLock { $0.labelsVariable } }

    var labels: OrderedDictionary<String, String> { state.withLock { $0.labels } }

    /// `outputs` (undefined until a task produced some, as in Kestra) or `tasks`.
    func variable(_ name: String) -> FlowValue? {
        state.withLock { state in
            switch name {
            case "outputs": state.outputs.isEmpty ? nil : .map(state.outputs)
            case "tasks": .map(state.taskStates)
            default: nil
            }
        }
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
