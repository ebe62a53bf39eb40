import FlowEngine
import OrderedCollections

/// A finished test run: plain values to inspect with `#expect`, and checks that throw a message naming the task and
/// what differed.
public struct FlowTestResult: Sendable {
    /// Everything the execution recorded.
    public let execution: Execution

    public init(execution: Execution) {
        self.execution = execution
    }

    /// The execution's final state.
    public var state: TaskState { execution.state }

    /// The flow's outputs.
    public var flowOutputs: OrderedDictionary<String, FlowValue> { execution.outputs }

    /// The run of a task (for one loop value inside a loop).
    public func taskRun(_ taskId: String, value: String? = nil) -> TaskRun? {
        execution.taskRun(taskId, value: value)
    }

    /// A task's outputs.
    public func outputs(of taskId: String, value: String? = nil) -> TaskOutputs? {
        taskRun(taskId, value: value)?.outputs
    }

    /// The ids of the tasks that ran (or were skipped), in the order their runs started.
    public var taskIds: [String] { execution.taskRuns.map(\.taskId) }

    /// The log lines containing a text.
    public func logs(containing text: String) -> [LogEntry] {
        execution.logs.filter { $0.message.contains(text) }
    }

    // MARK: Checks

    /// Checks the execution's final state.
    public func expectState(_ expected: TaskState) throws(FlowAssertionError) {
        guard state == expected else {
            throw FlowAssertionError(
                "execution state",
                expected: expected.rawValue,
                actual: state.rawValue + failureHint
            )
        }
    }

    /// Checks a task run's state.
    public func expectTask(_ taskId: String, value: String? = nil, state expected: TaskState) throws(FlowAssertionError)
    {
        let run = try requireRun(taskId, value: value)
        guard run.state == expected else {
            throw FlowAssertionError(
                path(taskId, value) + " state",
                expected: expected.rawValue,
                actual: run.state.rawValue
            )
        }
    }

    /// Checks how many attempts a task run made.
    public func expectTask(_ taskId: String, value: String? = nil, attempts expected: Int) throws(FlowAssertionError) {
        let run = try requireRun(taskId, value: value)
        guard run.attempts.count == expected else {
            throw FlowAssertionError(
                path(taskId, value) + " attempts",
                expected: "\(expected)",
                actual: "\(run.attempts.count)"
            )
        }
    }

    /// Checks one output of a task run.
    public func expectOutput(
        _ taskId: String,
        value: String? = nil,
        _ key: String,
        equals expected: FlowValue
    ) throws(FlowAssertionError) {
        let run = try requireRun(taskId, value: value)
        let actual = run.outputs[key]
        guard actual == expected else {
            throw FlowAssertionError(
                path(taskId, value) + " output \(key)",
                expected: expected.json,
                actual: actual?.json ?? "no such output"
            )
        }
    }

    /// Checks one of the flow's outputs.
    public func expectFlowOutput(_ key: String, equals expected: FlowValue) throws(FlowAssertionError) {
        let actual = flowOutputs[key]
        guard actual == expected else {
            throw FlowAssertionError(
                "flow output \(key)",
                expected: expected.json,
                actual: actual?.json ?? "no such output"
            )
        }
    }

    /// Checks that these tasks started in this order (other tasks may run in between).
    public func expectOrder(_ taskIds: [String]) throws(FlowAssertionError) {
        var remaining = taskIds[...]
        for id in self.taskIds where id == remaining.first { remaining = remaining.dropFirst() }
        guard remaining.isEmpty else {
            throw FlowAssertionError(
                "task order",
                expected: taskIds.joined(separator: " → "),
                actual: self.taskIds.joined(separator: " → ")
            )
        }
    }

    /// Checks that a task run was skipped (its `runIf` was false, or what it depended on failed).
    public func expectSkipped(_ taskId: String, value: String? = nil) throws(FlowAssertionError) {
        try expectTask(taskId, value: value, state: .skipped)
    }

    /// Checks that a task has no run at all.
    public func expectNotRun(_ taskId: String) throws(FlowAssertionError) {
        let runs = execution.taskRuns(of: taskId)
        guard runs.isEmpty else {
            throw FlowAssertionError(
                "task \(taskId)",
                expected: "no run",
                actual: runs.map(\.state.rawValue).joined(separator: ", ")
            )
        }
    }

    /// Checks that a log line contains a text.
    public func expectLog(containing text: String) throws(FlowAssertionError) {
        guard logs(containing: text).isEmpty else { return }
        let recent = execution.logs.suffix(5).map { "\($0.taskId ?? "flow"): \($0.message)" }
        throw FlowAssertionError(
            "logs",
            expected: "a line containing \"\(text)\"",
            actual: recent.isEmpty ? "no log lines" : "last lines: " + recent.joined(separator: " | ")
        )
    }

    private func requireRun(_ taskId: String, value: String?) throws(FlowAssertionError) -> TaskRun {
        guard let run = taskRun(taskId, value: value) else {
            let ran = Array(Set(taskIds)).sorted().joined(separator: ", ")
            throw FlowAssertionError(
                path(taskId, value),
                expected: "a task run",
                actual: "none (tasks that ran: \(ran))"
            )
        }
        return run
    }

    private func path(_ taskId: String, _ value: String?) -> String {
        "task \(taskId)" + (value.map { "[\($0)]" } ?? "")
    }

    /// The first error log, to explain an unexpected state.
    private var failureHint: String {
        guard let error = execution.logs.first(where: { $0.level == .error }) else { return "" }
        return " (first error: \(error.taskId ?? "flow"): \(error.message))"
    }
}

/// A check of a test run that did not hold: what was checked, what was expected and what was found.
public struct FlowAssertionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was checked, with the task path (`task load[2024-09] output rows`).
    public var subject: String
    public var expected: String
    public var actual: String

    public init(_ subject: String, expected: String, actual: String) {
        self.subject = subject
        self.expected = expected
        self.actual = actual
    }

    /// `<subject>: expected <expected>, got <actual>`.
    public var description: String { "\(subject): expected \(expected), got \(actual)" }
}
