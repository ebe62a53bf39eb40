import OrderedCollections

extension Execution {
    /// The execution as one JSON-ready value: `{"id", "namespace", "flowId", "state", "taskRuns": [{"taskId",
    /// "value", "state", "attempts", "outputs"}], "outputs"}`, where `value` is the loop value or null and `attempts`
    /// the number of attempts.
    public var summary: FlowValue {
        let runs: [FlowValue] = taskRuns.map { run in
            [
                "taskId": .string(run.taskId),
                "value": run.value.map(FlowValue.string) ?? .null,
                "state": .string(run.state.rawValue),
                "attempts": .int(run.attempts.count),
                "outputs": .map(run.outputs),
            ]
        }
        return [
            "id": .string(id),
            "namespace": .string(namespace),
            "flowId": .string(flowId),
            "state": .string(state.rawValue),
            "taskRuns": .list(runs),
            "outputs": .map(outputs),
        ]
    }
}

extension Execution {
    /// What expressions see once the execution has ended: `inputs`, `outputs` (by task, nested by loop values),
    /// `tasks`, `vars`, `labels`, `flow`, and `execution` with its `state` and flow `outputs`.
    public var finalContext: EvaluationContext {
        EvaluationContext(variables: finalVariables, now: endDate ?? startDate)
    }
}
