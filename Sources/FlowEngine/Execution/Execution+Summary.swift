import Foundation
import OrderedCollections

extension Execution {
    /// The execution as one JSON-ready value: `{"id", "namespace", "flowId", "state", "durationMs", "taskRuns":
    /// [{"taskId", "value", "state", "attempts", "durationMs", "outputs"}], "outputs"}`, where `value` is the loop
    /// value or null, `attempts` the number of attempts and `durationMs` the milliseconds from start to end on the
    /// engine's clock, to the microsecond (null while running).
    public var summary: FlowValue {
        let runs: [FlowValue] = taskRuns.map { run in
            [
                "taskId": .string(run.taskId),
                "value": run.value.map(FlowValue.string) ?? .null,
                "state": .string(run.state.rawValue),
                "attempts": .int(run.attempts.count),
                "durationMs": Self.milliseconds(from: run.startDate, to: run.endDate),
                "outputs": .map(run.outputs),
            ]
        }
        return [
            "id": .string(id),
            "namespace": .string(namespace),
            "flowId": .string(flowId),
            "state": .string(state.rawValue),
            "durationMs": Self.milliseconds(from: startDate, to: endDate),
            "taskRuns": .list(runs),
            "outputs": .map(outputs),
        ]
    }

    private static func milliseconds(from start: Date, to end: Date?) -> FlowValue {
        guard let end else { return .null }
        // To the microsecond: a task of the engine's own takes a few.
        let microseconds = (end.timeIntervalSince(start) * 1_000_000).rounded()
        guard microseconds.isFinite, abs(microseconds) < 1e15 else { return .null }
        return .decimal(Decimal(Int(microseconds)) / 1000)
    }
}

extension Execution {
    /// What expressions see once the execution has ended: `inputs`, `outputs` (by task, nested by loop values),
    /// `tasks`, `vars`, `labels`, `flow`, and `execution` with its `state` and flow `outputs`.
    public var finalContext: EvaluationContext {
        EvaluationContext(variables: finalVariables, now: endDate ?? startDate)
    }
}
