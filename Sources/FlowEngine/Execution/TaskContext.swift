import Foundation
import OrderedCollections
import Synchronization

/// What a running task sees: the variables its templates render with, its run and attempt, logging and time.
public struct TaskContext: Sendable {
    /// The variables of `{{ }}` expressions (`inputs`, `outputs`, `vars`, `taskrun`, …).
    public let evaluation: EvaluationContext
    /// The task's id.
    public let taskId: String
    /// The task run's id.
    public let taskRunId: String
    /// The loop value, inside a loop.
    public let value: String?
    /// The attempt being run, from 1.
    public let attempt: Int
    /// What the program running the flow handed to its tasks (``FlowRunner/services``).
    public let services: TaskServices
    /// Inside a `WorkingDirectory` task, the folder its tasks share (script tasks run in it); `nil` elsewhere.
    public let workingDirectory: URL?
    let recorder: ExecutionRecorder
    let clock: any FlowClock
    let logLevel: LogLevel
    /// When the attempt times out, if it has a timeout.
    let deadline: Date?
    let flags: Flags

    /// What an attempt reports besides its outputs.
    final class Flags: Sendable {
        let warning = Mutex(false)
    }

    /// The execution's id.
    public var executionId: String { evaluation.variables["execution"]?["id"]?.rendered ?? "" }

    /// The id of the flow being run.
    public var flowId: String { evaluation.variables["flow"]?["id"]?.rendered ?? "" }

    /// Renders a template to text.
    public func render(_ template: Template) throws(ExpressionError) -> String {
        try template.render(evaluation)
    }

    /// Renders a template, keeping the type of a single `{{ expression }}`.
    public func renderTyped(_ template: Template) throws(ExpressionError) -> FlowValue {
        try template.renderTyped(evaluation)
    }

    /// Renders every template inside a value.
    public func render(_ value: DynamicValue) throws(ExpressionError) -> FlowValue {
        try value.render(evaluation)
    }

    /// Adds a line to the execution's logs (dropped below the task's `logLevel`).
    public func log(_ level: LogLevel, _ message: String) {
        guard level >= logLevel else { return }
        recorder.log(
            LogEntry(taskId: taskId, taskRunId: taskRunId, level: level, message: message, timestamp: clock.now)
        )
    }

    /// The engine's current time.
    public var now: Date { clock.now }

    /// Waits on the engine's clock; a wait past the attempt's timeout ends with ``TaskTimeoutError`` at the timeout.
    public func sleep(for duration: Duration) async throws {
        let wake = clock.now.adding(duration)
        if let deadline, wake > deadline {
            try await clock.sleep(until: deadline)
            throw TaskTimeoutError()
        }
        try await clock.sleep(until: wake)
    }

    /// Ends the task WARNING instead of SUCCESS (its outputs are kept).
    public func markWarning() {
        flags.warning.withLock { $0 = true }
    }

    /// Merges labels into the execution's (for `execution.Labels`).
    func setLabels(_ labels: OrderedDictionary<String, String>) {
        recorder.mergeLabels(labels)
    }
}

/// An attempt that ran past its task's timeout.
public struct TaskTimeoutError: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "the task ran past its timeout" }
}
