import Foundation
import OrderedCollections

/// An execution as a history keeps it: live while it runs (task runs and logs as they happen), then final; stored as
/// one JSON document (``document``) that reads back to the same record.
public struct ExecutionRecord: Sendable, Hashable {
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
    /// The `trigger` variable it started with (a Schedule's `date`), or null when started by hand.
    public var trigger: FlowValue = .null

    /// A record of an execution that starts now.
    public init(
        id: String,
        namespace: String,
        flowId: String,
        startDate: Date = Date(),
        inputs: [String: FlowValue],
        startedBy: String,
        trigger: FlowValue = .null
    ) {
        self.id = id
        self.namespace = namespace
        self.flowId = flowId
        self.state = .running
        self.startDate = startDate
        self.inputs = inputs
        self.startedBy = startedBy
        self.taskRuns = [:]
        self.logs = []
        self.outputs = [:]
        self.problems = []
        self.trigger = trigger
    }

    /// Whether it has ended.
    public var hasEnded: Bool { endDate != nil }

    /// The record with what an event says.
    public mutating func apply(_ event: ExecutionEvent) {
        switch event {
        case .taskRunChanged(let run): taskRuns[run.id] = run
        case .log(let entry): logs.append(entry)
        }
    }

    /// The record of the finished execution.
    public mutating func finish(with execution: Execution) {
        state = execution.state
        endDate = execution.endDate ?? Date()
        taskRuns = OrderedDictionary(uniqueKeysWithValues: execution.taskRuns.map { ($0.id, $0) })
        logs = execution.logs
        outputs = execution.outputs
    }

    /// The record of an execution that could not run, or was lost.
    public mutating func fail(_ problems: [String], at date: Date = Date()) {
        state = .failed
        endDate = date
        self.problems += problems
    }

    /// The execution's summary JSON value: `Execution.summary`'s fields plus the start and end dates.
    public var summary: FlowValue {
        let runs: [FlowValue] = taskRuns.values.map { run in
            [
                "id": .string(run.id),
                "taskId": .string(run.taskId),
                "value": run.value.map(FlowValue.string) ?? .null,
                "state": .string(run.state.rawValue),
                "attempts": .int(run.attempts.count),
                "parentTaskRunId": run.parentTaskRunId.map(FlowValue.string) ?? .null,
                "attemptStates": .list(
                    run.attempts.map { attempt in
                        [
                            "state": .string(attempt.state.rawValue),
                            "startDate": .string(Self.timestamp(attempt.startDate)),
                            "endDate": attempt.endDate.map { .string(Self.timestamp($0)) } ?? .null,
                        ]
                    }
                ),
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
            "trigger": trigger,
        ]
    }

    /// The whole record as one JSON value: ``summary`` plus the logs.
    public var document: FlowValue {
        guard case .map(var fields) = summary else { return summary }
        fields["logs"] = logValues
        return .map(fields)
    }

    /// The record of a ``document``'s JSON text, as a store keeps it.
    public init(json: String) throws(ExecutionStoreError) {
        let document: FlowValue
        do {
            document = try FlowValue(parsingJSON: json)
        } catch {
            throw ExecutionStoreError("a stored execution is not readable JSON: \(error)")
        }
        try self.init(document: document)
    }

    /// The record a ``document`` holds.
    public init(document: FlowValue) throws(ExecutionStoreError) {
        func text(_ value: FlowValue?, _ field: String) throws(ExecutionStoreError) -> String {
            guard case .string(let text)? = value else {
                throw ExecutionStoreError("the record's \(field) is not text")
            }
            return text
        }
        func date(_ value: FlowValue?, _ field: String) throws(ExecutionStoreError) -> Date {
            guard let date = Self.date(try text(value, field)) else {
                throw ExecutionStoreError("the record's \(field) is not a timestamp")
            }
            return date
        }
        func optionalDate(_ value: FlowValue?, _ field: String) throws(ExecutionStoreError) -> Date? {
            if value == nil || value == .null { return nil }
            return try date(value, field)
        }
        func taskState(_ value: FlowValue?, _ field: String) throws(ExecutionStoreError) -> TaskState {
            guard let state = TaskState(rawValue: try text(value, field)) else {
                throw ExecutionStoreError("the record's \(field) is not a state")
            }
            return state
        }
        func map(_ value: FlowValue?) -> OrderedDictionary<String, FlowValue> {
            if case .map(let fields)? = value { return fields }
            return [:]
        }
        func list(_ value: FlowValue?) -> [FlowValue] {
            if case .list(let items)? = value { return items }
            return []
        }
        id = try text(document["id"], "id")
        namespace = try text(document["namespace"], "namespace")
        flowId = try text(document["flowId"], "flowId")
        state = try taskState(document["state"], "state")
        startDate = try date(document["startDate"], "startDate")
        endDate = try optionalDate(document["endDate"], "endDate")
        startedBy = try text(document["startedBy"], "startedBy")
        inputs = Dictionary(uniqueKeysWithValues: map(document["inputs"]).map { ($0.key, $0.value) })
        outputs = map(document["outputs"])
        problems = try list(document["problems"]).map { value throws(ExecutionStoreError) in try text(value, "problems")
        }
        trigger = document["trigger"] ?? .null
        taskRuns = [:]
        for run in list(document["taskRuns"]) {
            var attempts: [Attempt] = []
            for attempt in list(run["attemptStates"]) {
                attempts.append(
                    Attempt(
                        state: try taskState(attempt["state"], "attempt state"),
                        startDate: try date(attempt["startDate"], "attempt startDate"),
                        endDate: try optionalDate(attempt["endDate"], "attempt endDate")
                    )
                )
            }
            let id = try text(run["id"], "task run id")
            let value: String? = run["value"] == .null ? nil : try text(run["value"], "task run value")
            let parent: String? =
                run["parentTaskRunId"] == nil || run["parentTaskRunId"] == .null
                ? nil : try text(run["parentTaskRunId"], "parentTaskRunId")
            taskRuns[id] = TaskRun(
                id: id,
                taskId: try text(run["taskId"], "taskId"),
                value: value,
                parentTaskRunId: parent,
                state: try taskState(run["state"], "task run state"),
                attempts: attempts,
                outputs: map(run["outputs"]),
                startDate: try date(run["startDate"], "task run startDate"),
                endDate: try optionalDate(run["endDate"], "task run endDate")
            )
        }
        logs = []
        for entry in list(document["logs"]) {
            guard let level = LogLevel(rawValue: try text(entry["level"], "log level")) else {
                throw ExecutionStoreError("the record's log level is not a level")
            }
            logs.append(
                LogEntry(
                    taskId: entry["taskId"] == .null ? nil : try text(entry["taskId"], "log taskId"),
                    taskRunId: entry["taskRunId"] == .null ? nil : try text(entry["taskRunId"], "log taskRunId"),
                    level: level,
                    message: try text(entry["message"], "log message"),
                    timestamp: try date(entry["timestamp"], "log timestamp")
                )
            )
        }
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

    /// An instant as ISO 8601 in UTC, to the nearest microsecond (so that a stored instant read back prints the same).
    public static func timestamp(_ date: Date) -> String {
        // In whole microseconds, so the fraction is exact; an instant beyond Int64 microseconds (±292,000 years) is
        // written to the second.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let microseconds = Int64(exactly: (date.timeIntervalSince1970 * 1_000_000).rounded()) else {
            return formatter.string(from: date)
        }
        var (seconds, fraction) = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        if fraction < 0 {
            seconds -= 1
            fraction += 1_000_000
        }
        let whole = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: max(0, 6 - digits.count)) + digits + "Z"
    }

    /// The instant of a timestamp as ``timestamp(_:)`` writes it (or any ISO 8601 date and time).
    public static func date(_ text: String) -> Date? {
        guard text.hasSuffix("Z"), let dot = text.firstIndex(of: ".") else { return InputDates.dateTime(text) }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        guard let whole = formatter.date(from: String(text[..<dot]) + "Z"),
            let fraction = Int(text[text.index(after: dot)..<text.index(before: text.endIndex)])
        else { return nil }
        let digits = text.distance(from: dot, to: text.endIndex) - 2
        guard (1...9).contains(digits) else { return nil }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        return Date(timeIntervalSince1970: whole.timeIntervalSince1970 + Double(fraction) / scale)
    }
}
