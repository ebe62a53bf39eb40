import OrderedCollections

/// A stand-in for a task in tests: when it matches a task run, the task is not run and the run ends with the
/// fixture's state and outputs, as if the task had produced them (retries, branches and handlers behave as usual).
public struct TaskFixture: Sendable {
    /// Which task runs the fixture replaces.
    public enum Match: Sendable, Hashable {
        /// The task with this id; only its run for this loop value when `value` is set, else every run.
        case task(id: String, value: String?)
        /// Every task of this type (as written in `type:`).
        case type(String)
    }

    public var match: Match
    /// The state the task run ends in.
    public var state: TaskState
    /// The outputs, rendered with the task's variables when it would have run.
    public var outputs: DynamicValue?
    /// A failure message logged as the task's error (the state is then FAILED unless another is given).
    public var errorMessage: String?

    public init(_ match: Match, state: TaskState = .success, outputs: DynamicValue? = nil, errorMessage: String? = nil)
    {
        self.match = match
        self.state = errorMessage != nil && state == .success ? .failed : state
        self.outputs = outputs
        self.errorMessage = errorMessage
    }

    /// A fixture for a task by id (and loop value), with plain outputs (a map).
    public static func task(
        _ id: String,
        value: String? = nil,
        state: TaskState = .success,
        outputs: FlowValue = [:]
    ) -> TaskFixture {
        TaskFixture(.task(id: id, value: value), state: state, outputs: .value(outputs))
    }
}

extension [TaskFixture] {
    /// The fixture for a task run: by id and loop value, then by id, then by type.
    func fixture(for task: TaskDefinition, value: String?) -> TaskFixture? {
        guard !isEmpty else { return nil }
        return first { $0.match == .task(id: task.id, value: value) && value != nil }
            ?? first { $0.match == .task(id: task.id, value: nil) }
            ?? first { $0.match == .type(task.type) }
    }
}
