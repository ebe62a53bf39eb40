import Foundation
import OrderedCollections

/// The state of an execution or of one task run, by Kestra's names.
public enum TaskState: String, Sendable, Hashable, Codable, CaseIterable {
    case created = "CREATED"
    case running = "RUNNING"
    case paused = "PAUSED"
    case retrying = "RETRYING"
    case success = "SUCCESS"
    case warning = "WARNING"
    case failed = "FAILED"
    case killed = "KILLED"
    case skipped = "SKIPPED"

    /// Whether the state is final.
    public var isTerminal: Bool { [.success, .warning, .failed, .killed, .skipped].contains(self) }

    /// Whether an execution in this state counts as having worked (SUCCESS or WARNING).
    public var isSuccessful: Bool { self == .success || self == .warning }

    /// The state of a group from its members' states: KILLED over FAILED over WARNING over PAUSED over SUCCESS
    /// (a skipped member counts as a success).
    public static func combined(_ states: some Sequence<TaskState>) -> TaskState {
        var result = TaskState.success
        for state in states {
            switch state {
            case .killed: return .killed
            case .failed: result = .failed
            case .warning where result != .failed: result = .warning
            case .paused where result == .success: result = .paused
            default: break
            }
        }
        return result
    }
}

/// One attempt of a task run.
public struct Attempt: Sendable, Hashable {
    public var state: TaskState
    public var startDate: Date
    public var endDate: Date?
}

/// One run of a task: a task outside loops runs once, a task inside a loop once per value.
public struct TaskRun: Sendable, Hashable {
    public var id: String
    public var taskId: String
    /// The loop value of the innermost enclosing loop, if any.
    public var value: String?
    /// The task run of the enclosing flowable, if any.
    public var parentTaskRunId: String?
    public var state: TaskState
    public var attempts: [Attempt]
    public var outputs: TaskOutputs
    public var startDate: Date
    public var endDate: Date?
}

/// One log line of an execution.
public struct LogEntry: Sendable, Hashable {
    public var taskId: String?
    public var taskRunId: String?
    public var level: LogLevel
    public var message: String
    public var timestamp: Date

    public init(taskId: String?, taskRunId: String?, level: LogLevel, message: String, timestamp: Date) {
        self.taskId = taskId
        self.taskRunId = taskRunId
        self.level = level
        self.message = message
        self.timestamp = timestamp
    }
}

/// One run of a flow: its state, every task run with its attempts and outputs, the flow outputs and the logs.
public struct Execution: Sendable {
    public var id: String
    public var namespace: String
    public var flowId: String
    public var state: TaskState
    public var startDate: Date
    public var endDate: Date?
    public var inputs: FlowValue
    public var labels: OrderedDictionary<String, String>
    /// Task runs in the order they were created.
    public var taskRuns: [TaskRun]
    /// The flow's outputs, typed.
    public var outputs: OrderedDictionary<String, FlowValue>
    public var logs: [LogEntry]
    /// The variables of expressions at the end of the execution (`outputs` nested by loop values, `tasks`, …).
    var finalVariables: [String: FlowValue] = [:]

    /// The task runs of a task (one per loop value inside loops).
    public func taskRuns(of taskId: String) -> [TaskRun] { taskRuns.filter { $0.taskId == taskId } }

    /// The task run of a task, for a loop value if the task is inside a loop.
    public func taskRun(_ taskId: String, value: String? = nil) -> TaskRun? {
        taskRuns.first { $0.taskId == taskId && (value == nil || $0.value == value) }
    }
}

/// Something that happened during an execution, as it happens (for progress displays and metrics).
public enum ExecutionEvent: Sendable {
    case taskRunChanged(TaskRun)
    case log(LogEntry)
}
