/// A task as written in a flow: its common properties and what it does.
public struct TaskDefinition: Sendable {
    public var id: String
    /// The type as written (`io.kestra.plugin.core.log.Log`, or a legacy alias).
    public var type: String
    public var description: String?
    public var retry: RetryPolicy?
    /// Each attempt that runs longer fails.
    public var timeout: Duration?
    /// A disabled task is left out as if it were not written.
    public var disabled: Bool
    /// A failure (after retries) ends WARNING and the flow goes on.
    public var allowFailure: Bool
    /// A warning ends SUCCESS.
    public var allowWarning: Bool
    /// When it renders false, the task is SKIPPED.
    public var runIf: Template?
    /// The lowest level of the task's logs that is kept.
    public var logLevel: LogLevel?
    public var body: Body
    public var location: SourceLocation

    /// What the task does.
    public enum Body: Sendable {
        /// A task that runs to an outcome: core ones and those a program registers.
        case runnable(any TaskType)
        /// A task that runs other tasks.
        case flowable(Flowable)
        /// A task that runs another flow.
        case subflow(SubflowCall)
    }

    /// The tasks inside this one, at any depth.
    public var descendants: [TaskDefinition] {
        guard case .flowable(let flowable) = body else { return [] }
        return flowable.children.flatMap { [$0] + $0.descendants }
    }
}

/// A task that runs other tasks, as Kestra's flowable tasks do.
public struct Flowable: Sendable {
    /// How the children are scheduled.
    public enum Kind: Sendable {
        /// One after the other; the first failure stops the rest.
        case sequential([TaskDefinition])
        /// All at once, at most `concurrent` at a time (0: no limit).
        case parallel([TaskDefinition], concurrent: Int)
        /// `then` when the condition is true, else `else`.
        case `if`(condition: Template, then: [TaskDefinition], else: [TaskDefinition])
        /// The case whose key equals the rendered value, else `defaults`.
        case `switch`(value: Template, cases: [(key: String, tasks: [TaskDefinition])], defaults: [TaskDefinition]?)
        /// The tasks once per distinct value, each group in order, `concurrencyLimit` groups at a time (0: no limit).
        case forEach(values: DynamicValue, concurrencyLimit: Int, tasks: [TaskDefinition])
        /// Every task for every value, one at a time.
        case eachSequential(values: DynamicValue, tasks: [TaskDefinition])
        /// Every task for every value, all at once up to `concurrent` (0: no limit).
        case eachParallel(values: DynamicValue, tasks: [TaskDefinition], concurrent: Int)
        /// Each task when all it depends on have ended, at most `concurrent` at a time (0: no limit).
        case dag([DagNode], concurrent: Int)
        /// Like sequential, but a failure of the children ends WARNING.
        case allowFailure([TaskDefinition])
        /// Like sequential (the children share a working directory in Kestra; files are not supported here).
        case workingDirectory([TaskDefinition])
        /// Waits, then runs its children (if any).
        case pause(delay: Duration?, timeout: Duration?, tasks: [TaskDefinition])
    }

    public var kind: Kind
    /// Run when a child failed; the flowable still fails.
    public var errors: [TaskDefinition]
    /// Run after the children, whatever happened.
    public var finally: [TaskDefinition]

    /// Every direct child, in the order written (branches, errors and finally included).
    public var children: [TaskDefinition] {
        let main: [TaskDefinition]
        switch kind {
        case .sequential(let tasks), .parallel(let tasks, _), .allowFailure(let tasks), .workingDirectory(let tasks),
            .forEach(_, _, let tasks), .eachSequential(_, let tasks), .eachParallel(_, let tasks, _),
            .pause(_, _, let tasks):
            main = tasks
        case .if(_, let then, let otherwise):
            main = then + otherwise
        case .switch(_, let cases, let defaults):
            main = cases.flatMap(\.tasks) + (defaults ?? [])
        case .dag(let nodes, _):
            main = nodes.map(\.task)
        }
        return main + errors + finally
    }
}

/// A task of a Dag and the tasks it waits for.
public struct DagNode: Sendable {
    public var task: TaskDefinition
    public var dependsOn: [String]
    /// Where each name of ``dependsOn`` is written, in the same order.
    public var dependencyLocations: [SourceLocation] = []
}

/// A call of another flow (`io.kestra.plugin.core.flow.Subflow`).
public struct SubflowCall: Sendable {
    public var namespace: Template
    public var flowId: Template
    public var inputs: DynamicValue?
    public var labels: DynamicValue?
    /// Whether the task waits for the subflow to end (otherwise it ends once the subflow started).
    public var wait: Bool
    /// Whether a failed subflow fails the task (only when waiting).
    public var transmitFailed: Bool
    public var inheritLabels: Bool
}

/// The level of a log line.
public enum LogLevel: String, Sendable, Hashable, Comparable, CaseIterable, Codable {
    case trace = "TRACE"
    case debug = "DEBUG"
    case info = "INFO"
    case warn = "WARN"
    case error = "ERROR"

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rank < rhs.rank }
}

extension Flowable {
    var isPause: Bool {
        if case .pause = kind { return true }
        return false
    }
}

extension TaskDefinition {
    var isRunnable: Bool {
        if case .runnable = body { return true }
        return false
    }
}
