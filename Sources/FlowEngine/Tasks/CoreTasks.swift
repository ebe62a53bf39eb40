import Foundation
import OrderedCollections

/// The core runnable task types, registered by ``TaskRegistry/core``.
let coreTaskTypes: [any TaskType.Type] = [
    LogTask.self, ReturnTask.self, EchoTask.self, OutputValuesTask.self, FailTask.self, LabelsTask.self, SleepTask.self,
]

/// `log.Log`: logs one message or a list of them at a level.
struct LogTask: TaskType {
    static let typeNames = ["io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log"]
    let messages: [Template]
    let level: LogLevel

    init(properties: TaskProperties) throws {
        guard let messages = properties.templates("message", required: true) else { throw properties.invalid }
        self.messages = messages
        self.level = try Self.level(properties)
    }

    static func level(_ properties: TaskProperties) throws -> LogLevel {
        guard let name = properties.string("level") else { return .info }
        guard let level = LogLevel(rawValue: name) else {
            properties.report("level is one of TRACE, DEBUG, INFO, WARN, ERROR, not '\(name)'", at: "level")
            throw properties.invalid
        }
        return level
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        for message in messages { context.log(level, try context.render(message)) }
        return [:]
    }
}

/// `debug.Return`: renders `format` into the output `value`.
struct ReturnTask: TaskType {
    static let typeNames = ["io.kestra.plugin.core.debug.Return", "io.kestra.core.tasks.debugs.Return"]
    let format: Template?

    init(properties: TaskProperties) throws {
        format = properties.template("format")
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        guard let format else { return ["value": .null] }
        return ["value": .string(try context.render(format))]
    }
}

/// `debug.Echo` (deprecated in Kestra): logs `format`.
struct EchoTask: TaskType {
    static let typeNames = ["io.kestra.plugin.core.debug.Echo", "io.kestra.core.tasks.debugs.Echo"]
    let format: Template
    let level: LogLevel

    init(properties: TaskProperties) throws {
        guard let format = properties.template("format", required: true) else { throw properties.invalid }
        self.format = format
        self.level = try LogTask.level(properties)
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        context.log(level, try context.render(format))
        return [:]
    }
}

/// `output.OutputValues`: renders each value (keeping the type of single expressions) into `values.<key>`.
struct OutputValuesTask: TaskType {
    static let typeNames = ["io.kestra.plugin.core.output.OutputValues", "io.kestra.core.tasks.outputs.OutputValues"]
    let values: DynamicValue

    init(properties: TaskProperties) throws {
        guard let values = properties.dynamic("values", required: true) else { throw properties.invalid }
        guard case .map = values else {
            properties.report("values is a map of names to values", at: "values")
            throw properties.invalid
        }
        self.values = values
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        ["values": try context.render(values)]
    }
}

/// `execution.Fail`: fails, always or when `condition` is true.
struct FailTask: TaskType {
    static let typeNames = ["io.kestra.plugin.core.execution.Fail", "io.kestra.core.tasks.executions.Fail"]
    let condition: Template?
    let errorMessage: Template?

    init(properties: TaskProperties) throws {
        condition = properties.template("condition")
        errorMessage = properties.template("errorMessage")
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        let message = try errorMessage.map { try context.render($0) } ?? "Task failure"
        if let condition {
            guard try context.renderTyped(condition).isTruthy else { return [:] }
            context.log(.error, message)
            throw TaskFailure("Fail on a condition: \(message)")
        }
        throw TaskFailure(message)
    }
}

/// `execution.Labels`: adds labels to the execution (keys and values rendered).
struct LabelsTask: TaskType {
    static let typeNames = ["io.kestra.plugin.core.execution.Labels", "io.kestra.core.tasks.executions.Labels"]
    let labels: DynamicValue

    init(properties: TaskProperties) throws {
        guard let labels = properties.dynamic("labels", required: true) else { throw properties.invalid }
        self.labels = labels
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        var rendered = try context.render(labels)
        if case .string(let text) = rendered { rendered = try FlowValue(parsingJSON: text) }
        var result = OrderedDictionary<String, String>()
        switch rendered {
        case .map(let map):
            for (key, value) in map { result[key] = value.rendered }
        case .list(let items):
            for item in items {
                guard let key = item["key"]?.rendered else { throw TaskFailure("a label in a list needs a key") }
                result[key] = item["value"]?.rendered ?? ""
            }
        default:
            throw TaskFailure("labels must be a map or a list of {key, value}, not \(rendered.kindName)")
        }
        if let system = result.keys.first(where: { $0.hasPrefix("system.") }) {
            throw TaskFailure("label '\(system)': system labels can only be set by the engine")
        }
        context.setLabels(result)
        return [:]
    }
}

/// `flow.Sleep`: waits for a duration on the engine's clock.
struct SleepTask: TaskType {
    static let typeNames = ["io.kestra.plugin.core.flow.Sleep", "io.kestra.core.tasks.flows.Sleep"]
    let duration: Duration

    init(properties: TaskProperties) throws {
        guard let duration = properties.duration("duration", required: true) else { throw properties.invalid }
        self.duration = duration
    }

    func run(_ context: TaskContext) async throws -> TaskOutputs {
        try await context.sleep(for: duration)
        return [:]
    }
}

/// A task that failed with a message for the flow author.
public struct TaskFailure: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
