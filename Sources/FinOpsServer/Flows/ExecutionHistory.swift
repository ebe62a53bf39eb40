import FlowEngine
import Foundation
import OrderedCollections

/// An execution as the server shows it: live while it runs (task runs and logs as they happen), then final.
public struct ExecutionRecord: Sendable {
    /// The execution's id.
    public var id: String
    /// The flow's namespace.
    public var namespace: String
    /// The flow's id.
    public var flowId: String
    /// RUNNING until the execution ends, then its final state.
    public var state: TaskState
    /// When it started.
    public var startDate: Date
    /// When it ended.
    public var endDate: Date?
    /// The inputs as given.
    public var inputs: [String: FlowValue]
    /// Who started it (a user, or `schedule:TRIGGER`).
    public var startedBy: String
    /// Task runs, latest state of each, in the order they started.
    public var taskRuns: OrderedDictionary<String, TaskRun>
    /// Logs, in order.
    public var logs: [LogEntry]
    /// The flow's outputs, once it ended.
    public var outputs: OrderedDictionary<String, FlowValue>
    /// Why it could not run at all (bad inputs), when that is why it failed.
    public var problems: [String]

    /// The execution's summary JSON value: `Execution.summary`'s fields plus the start and end dates.
    public var summary: FlowValue {
        let runs: [FlowValue] = taskRuns.values.map { run in
            [
                "id": .string(run.id),
                "taskId": .string(run.taskId),
                "value": run.value.map(FlowValue.string) ?? .null,
                "state": .string(run.state.rawValue),
                "attempts": .int(run.attempts.count),
                "startDate": .string(Self.timestamp(run.startDate)),
                "endDate": run.endDate.map { .string(Self.timestamp($0)) } ?? .null,
                "outputs": .map(run.outputs),
            ]
        }
        return [
            "id": .string(id),
            "namespace": .string(namespace),
            "flowId": .string(flowId),
            "state": .string(state.rawValue),
            "startDate": .string(Self.timestamp(startDate)),
            "endDate": endDate.map { .string(Self.timestamp($0)) } ?? .null,
            "startedBy": .string(startedBy),
            "inputs": .map(OrderedDictionary(uniqueKeysWithValues: inputs.sorted { $0.key < $1.key })),
            "taskRuns": .list(runs),
            "outputs": .map(outputs),
            "problems": .list(problems.map(FlowValue.string)),
        ]
    }

    /// Logs as JSON values.
    public var logValues: FlowValue {
        .list(
            logs.map { entry in
                [
                    "timestamp": .string(Self.timestamp(entry.timestamp)),
                    "level": .string(entry.level.rawValue),
                    "taskId": entry.taskId.map(FlowValue.string) ?? .null,
                    "taskRunId": entry.taskRunId.map(FlowValue.string) ?? .null,
                    "message": .string(entry.message),
                ]
            }
        )
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// The executions the server started, newest first, kept in memory (the last `capacity` of them).
actor ExecutionHistory {
    private var records: OrderedDictionary<String, ExecutionRecord> = [:]
    let capacity: Int

    init(capacity: Int = 1000) {
        self.capacity = capacity
    }

    func started(_ record: ExecutionRecord) {
        records[record.id] = record
        if records.count > capacity { records.removeFirst(records.count - capacity) }
    }

    func apply(_ event: ExecutionEvent, to id: String) {
        guard var record = records[id] else { return }
        switch event {
        case .taskRunChanged(let run): record.taskRuns[run.id] = run
        case .log(let entry): record.logs.append(entry)
        }
        records[id] = record
    }

    func finished(_ execution: Execution) {
        guard var record = records[execution.id] else { return }
        record.state = execution.state
        record.endDate = execution.endDate ?? Date()
        record.taskRuns = OrderedDictionary(uniqueKeysWithValues: execution.taskRuns.map { ($0.id, $0) })
        record.logs = execution.logs
        record.outputs = execution.outputs
        records[execution.id] = record
    }

    func failed(_ id: String, problems: [String]) {
        guard var record = records[id] else { return }
        record.state = .failed
        record.endDate = Date()
        record.problems = problems
        records[id] = record
    }

    func record(_ id: String) -> ExecutionRecord? { records[id] }

    /// Newest first, filtered by flow (`namespace.id` or id) and state.
    func list(flow: String? = nil, state: TaskState? = nil, limit: Int = 200) -> [ExecutionRecord] {
        var found: [ExecutionRecord] = []
        for record in records.values.reversed() {
            if let flow, flow != record.flowId, flow != "\(record.namespace).\(record.flowId)" { continue }
            if let state, record.state != state { continue }
            found.append(record)
            if found.count == limit { break }
        }
        return found
    }
}
