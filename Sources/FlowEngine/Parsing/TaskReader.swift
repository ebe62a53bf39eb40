/// Reads tasks: common properties, flowable bodies, runnable types from the registry, and retries.
import Foundation

struct TaskReader {
    let registry: TaskRegistry
    let sink: DiagnosticSink
    let defaults: [PluginDefault]

    /// A list of tasks under `key`; `required` also means not empty.
    func list(_ properties: TaskProperties, _ key: String, required: Bool = false) -> [TaskDefinition] {
        guard let node = properties.node(key, required: required) else { return [] }
        guard let items = node.items else {
            sink.report("'\(key)' is a list of tasks, not \(node.kindName)", at: node.location)
            return []
        }
        if required && items.isEmpty { sink.report("'\(key)' must not be empty", at: node.location) }
        return items.compactMap(task)
    }

    func task(_ written: YAMLNode) -> TaskDefinition? {
        guard written.pairs != nil else {
            sink.report("a task is a map with id and type, not \(written.kindName)", at: written.location)
            return nil
        }
        let node = applyingDefaults(to: written)
        let properties = TaskProperties(node, sink: sink)
        let id = properties.string("id", required: true)
        if let id, !Identifiers.isTaskID(id) {
            properties.report(
                "task id '\(id)' must start with a letter or digit and use only letters, digits, '_' and '-'",
                at: "id"
            )
        }
        if let id { sink.claimTaskID(id, at: written.location) }
        let writtenType = properties.string("type", required: true)
        let description = properties.string("description")
        let retry = properties.node("retry").flatMap(retry)
        let timeout = properties.duration("timeout")
        let disabled = properties.bool("disabled") ?? false
        let allowFailure = properties.bool("allowFailure") ?? false
        let allowWarning = properties.bool("allowWarning") ?? false
        let runIf = properties.template("runIf")
        let logLevel = properties.string("logLevel").flatMap { name -> LogLevel? in
            guard let level = LogLevel(rawValue: name) else {
                properties.report("logLevel is one of TRACE, DEBUG, INFO, WARN, ERROR, not '\(name)'", at: "logLevel")
                return nil
            }
            return level
        }
        if properties.contains("workerGroup") {
            _ = properties.node("workerGroup")
            properties.report(
                "'workerGroup' is not supported: worker groups are an Enterprise Edition feature",
                at: "workerGroup"
            )
        }
        _ = properties.bool("logToFile")
        guard let writtenType else {
            properties.reportUnknown(in: "task '\(id ?? "?")'")
            return nil
        }
        let body = self.body(type: writtenType, properties: properties, timeout: timeout)
        if body != nil || FlowableType(writtenType) != nil || registry.type(named: writtenType) != nil {
            properties.reportUnknown(in: "task '\(id ?? "?")' (\(writtenType))")
        }
        if timeout != nil, case .flowable(let flowable)? = body, !flowable.isPause {
            properties.report("timeout applies to runnable tasks, not to flowable ones", at: "timeout")
        }
        guard let id, let body else { return nil }
        return TaskDefinition(
            id: id,
            type: writtenType,
            description: description,
            retry: retry,
            timeout: timeout,
            disabled: disabled,
            allowFailure: allowFailure,
            allowWarning: allowWarning,
            runIf: runIf,
            logLevel: logLevel,
            body: body,
            location: written.location
        )
    }

    /// The task as written, with the plugin defaults of its type added (forced ones replace written values).
    private func applyingDefaults(to node: YAMLNode) -> YAMLNode {
        guard let type = node["type"]?.scalar, var pairs = node.pairs else { return node }
        for pluginDefault in defaults where pluginDefault.applies(to: type) {
            for pair in pluginDefault.values {
                guard let key = pair.key.scalar, key != "id", key != "type" else { continue }
                if let index = pairs.firstIndex(where: { $0.key.scalar == key }) {
                    if pluginDefault.forced { pairs[index].value = pair.value }
                } else {
                    pairs.append(pair)
                }
            }
        }
        return YAMLNode(.mapping(pairs), at: node.location)
    }

    private func body(type: String, properties: TaskProperties, timeout: Duration?) -> TaskDefinition.Body? {
        if let flowable = FlowableType(type) {
            if flowable == .subflow { return subflow(properties).map(TaskDefinition.Body.subflow) }
            return self.flowable(flowable, properties, timeout: timeout).map(TaskDefinition.Body.flowable)
        }
        guard let taskType = registry.type(named: type) else {
            if type.contains("scripts") || type.contains("Commands") {
                properties.report(
                    "unknown task type '\(type)' (tasks that run processes must be enabled: "
                        + "TaskRegistry.registerProcessTasks())",
                    at: "type",
                    code: .processTasksDisabled
                )
            } else {
                properties.report("unknown task type '\(type)'", at: "type")
            }
            return nil
        }
        let before = sink.diagnostics.count
        do {
            return .runnable(try taskType.init(properties: properties))
        } catch {
            if sink.diagnostics.count == before && !(error is InvalidTaskError) {
                properties.report("\(error)")
            }
            return nil
        }
    }

    private func flowable(_ type: FlowableType, _ properties: TaskProperties, timeout: Duration?) -> Flowable? {
        let kind: Flowable.Kind?
        switch type {
        case .sequential:
            kind = .sequential(list(properties, "tasks", required: true))
        case .parallel:
            let tasks = list(properties, "tasks", required: true)
            kind = .parallel(tasks, concurrent: nonNegative(properties, "concurrent") ?? 0)
        case .if:
            let condition = properties.template("condition", required: true)
            let then = list(properties, "then", required: true)
            let otherwise = list(properties, "else")
            kind = condition.map { .if(condition: $0, then: then, else: otherwise) }
        case .switch:
            let value = properties.template("value", required: true)
            var cases: [(key: String, tasks: [TaskDefinition])] = []
            if let node = properties.node("cases") {
                if let pairs = node.pairs {
                    for pair in pairs {
                        guard let items = pair.value.items else {
                            sink.report("each case of a Switch is a list of tasks", at: pair.value.location)
                            continue
                        }
                        cases.append((pair.key.value.rendered, items.compactMap(task)))
                    }
                } else {
                    sink.report("'cases' is a map from values to lists of tasks", at: node.location)
                }
            }
            let defaults = properties.contains("defaults") ? list(properties, "defaults") : nil
            if cases.isEmpty && defaults == nil {
                properties.report("a Switch needs at least one case or defaults")
            }
            kind = value.map { .switch(value: $0, cases: cases, defaults: defaults) }
        case .forEach:
            let values = properties.dynamic("values", required: true)
            let limit = nonNegative(properties, "concurrencyLimit") ?? 1
            let tasks = list(properties, "tasks", required: true)
            kind = values.map { .forEach(values: $0, concurrencyLimit: limit, tasks: tasks) }
        case .eachSequential:
            let values = properties.dynamic("value", required: true)
            let tasks = list(properties, "tasks", required: true)
            kind = values.map { .eachSequential(values: $0, tasks: tasks) }
        case .eachParallel:
            let values = properties.dynamic("value", required: true)
            let tasks = list(properties, "tasks", required: true)
            let concurrent = nonNegative(properties, "concurrent") ?? 0
            kind = values.map { .eachParallel(values: $0, tasks: tasks, concurrent: concurrent) }
        case .dag:
            kind = .dag(dagNodes(properties), concurrent: nonNegative(properties, "concurrent") ?? 0)
        case .allowFailure:
            kind = .allowFailure(list(properties, "tasks", required: true))
        case .workingDirectory:
            for key in ["inputFiles", "outputFiles", "namespaceFiles", "cache"] where properties.contains(key) {
                _ = properties.node(key)
                properties.report("'\(key)' is not supported: this engine's WorkingDirectory has no files", at: key)
            }
            let tasks = list(properties, "tasks", required: true)
            for child in tasks where !child.isRunnable {
                sink.report(
                    "Only runnable tasks are allowed as children of a WorkingDirectory task",
                    at: child.location
                )
            }
            kind = .workingDirectory(tasks)
        case .pause:
            let delay = properties.duration("delay")
            if properties.contains("onResume") {
                _ = properties.node("onResume")
                properties.report("'onResume' is not supported: a pause here resumes after its delay", at: "onResume")
            }
            if delay == nil && timeout == nil {
                properties.report(
                    "a Pause needs a delay (a pause without one waits for a resume this engine cannot receive)"
                )
            }
            kind = .pause(delay: delay, timeout: timeout, tasks: list(properties, "tasks"))
        case .subflow:
            kind = nil
        }
        let errors = list(properties, "errors")
        let finally = list(properties, "finally")
        return kind.map { Flowable(kind: $0, errors: errors, finally: finally) }
    }

    private func dagNodes(_ properties: TaskProperties) -> [DagNode] {
        guard let node = properties.node("tasks", required: true) else { return [] }
        guard let items = node.items, !items.isEmpty else {
            sink.report("the tasks of a Dag are a non-empty list of {task, dependsOn}", at: node.location)
            return []
        }
        var nodes: [DagNode] = []
        for item in items {
            let entry = TaskProperties(item, sink: sink)
            let taskNode = entry.node("task", required: true)
            var dependsOn: [String] = []
            var locations: [SourceLocation] = []
            if let list = entry.node("dependsOn") {
                if let items = list.items, items.allSatisfy({ $0.scalar != nil }) {
                    dependsOn = items.compactMap(\.scalar)
                    locations = items.map(\.location)
                } else {
                    sink.report("dependsOn is a list of task ids", at: list.location)
                }
            }
            entry.reportUnknown(in: "a Dag task")
            if let taskNode, let definition = task(taskNode) {
                nodes.append(DagNode(task: definition, dependsOn: dependsOn, dependencyLocations: locations))
            }
        }
        return nodes
    }

    private func subflow(_ properties: TaskProperties) -> SubflowCall? {
        let namespace = properties.template("namespace", required: true)
        let flowId = properties.template("flowId", required: true)
        let inputs = properties.dynamic("inputs")
        let labels = properties.dynamic("labels")
        let wait = properties.bool("wait") ?? true
        let transmitFailed = properties.bool("transmitFailed") ?? true
        let inheritLabels = properties.bool("inheritLabels") ?? false
        for key in ["revision", "scheduleDate", "outputs"] where properties.contains(key) {
            _ = properties.node(key)
            properties.report("'\(key)' is not supported for subflows here", at: key)
        }
        guard let namespace, let flowId else { return nil }
        return SubflowCall(
            namespace: namespace,
            flowId: flowId,
            inputs: inputs,
            labels: labels,
            wait: wait,
            transmitFailed: transmitFailed,
            inheritLabels: inheritLabels
        )
    }

    private func nonNegative(_ properties: TaskProperties, _ key: String) -> Int? {
        guard let value = properties.int(key) else { return nil }
        guard value >= 0 else {
            properties.report("'\(key)' must be 0 (no limit) or more", at: key)
            return nil
        }
        return value
    }

    func retry(_ node: YAMLNode) -> RetryPolicy? {
        guard node.pairs != nil else {
            sink.report("retry is a map with type and its intervals", at: node.location)
            return nil
        }
        let properties = TaskProperties(node, sink: sink)
        let type = properties.string("type", required: true)
        let maxAttempts = properties.int("maxAttempt") ?? properties.int("maxAttempts")
        let maxDuration = properties.duration("maxDuration")
        let warningOnRetry = properties.bool("warningOnRetry") ?? false
        if let behavior = properties.string("behavior"), behavior != "RETRY_FAILED_TASK" {
            properties.report("retry behavior '\(behavior)' is not supported; only RETRY_FAILED_TASK", at: "behavior")
        }
        if let maxAttempts, maxAttempts < 1 { properties.report("maxAttempt must be at least 1", at: "maxAttempt") }
        if maxAttempts == nil && maxDuration == nil {
            properties.report("a retry needs maxAttempt or maxDuration, or it would never stop")
        }
        var backoff: RetryPolicy.Backoff?
        switch type {
        case "constant":
            backoff = properties.duration("interval", required: true).map { .constant($0) }
        case "exponential":
            let interval = properties.duration("interval", required: true)
            let maxInterval = properties.duration("maxInterval", required: true)
            var factor = 2.0
            if let value = properties.value("delayFactor") {
                switch value {
                case .int(let number): factor = Double(number)
                case .decimal(let number): factor = NSDecimalNumber(decimal: number).doubleValue
                default: properties.report("delayFactor must be a number", at: "delayFactor")
                }
            }
            if let interval, let maxInterval {
                backoff = .exponential(interval: interval, maxInterval: maxInterval, factor: factor)
            }
        case "random":
            let low = properties.duration("minInterval", required: true)
            let high = properties.duration("maxInterval", required: true)
            if let low, let high {
                if low > high { properties.report("minInterval is greater than maxInterval", at: "minInterval") }
                backoff = .random(min: low, max: high)
            }
        case let other?:
            properties.report("retry type is constant, exponential or random, not '\(other)'", at: "type")
        case nil:
            break
        }
        properties.reportUnknown(in: "a retry")
        guard let backoff else { return nil }
        return RetryPolicy(
            backoff: backoff,
            maxAttempts: maxAttempts,
            maxDuration: maxDuration,
            warningOnRetry: warningOnRetry
        )
    }
}

/// The flowable task types, by their current and legacy names.
enum FlowableType: String, CaseIterable {
    case sequential = "Sequential"
    case parallel = "Parallel"
    case `if` = "If"
    case `switch` = "Switch"
    case forEach = "ForEach"
    case eachSequential = "EachSequential"
    case eachParallel = "EachParallel"
    case dag = "Dag"
    case allowFailure = "AllowFailure"
    case workingDirectory = "WorkingDirectory"
    case pause = "Pause"
    case subflow = "Subflow"

    init?(_ typeName: String) {
        for prefix in ["io.kestra.plugin.core.flow.", "io.kestra.core.tasks.flows."] where typeName.hasPrefix(prefix) {
            let name = String(typeName.dropFirst(prefix.count))
            if let type = FlowableType(rawValue: name) {
                self = type
                return
            }
            if prefix == "io.kestra.core.tasks.flows." {
                if name == "Flow" {
                    self = .subflow
                    return
                }
                if name == "Worker" {
                    self = .workingDirectory
                    return
                }
            }
        }
        return nil
    }
}
