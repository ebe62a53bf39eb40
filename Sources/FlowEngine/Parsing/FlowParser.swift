import Foundation
import OrderedCollections

/// Reads flow YAML into a validated ``Flow``, reporting every problem of the file at its line and column.
public struct FlowParser: Sendable {
    /// The runnable task types flows may use.
    public var registry: TaskRegistry

    public init(registry: TaskRegistry = .core) {
        self.registry = registry
    }

    /// Reads a flow file.
    ///
    /// - Throws: ``FlowValidationError`` with every problem found, or a file that cannot be read.
    public func parse(contentsOf url: URL) throws(FlowValidationError) -> Flow {
        try parse(YAMLNode.parse(contentsOf: url), file: url.path)
    }

    /// Reads a flow from YAML text.
    ///
    /// - Parameter file: the name to show in messages.
    /// - Throws: ``FlowValidationError`` with every problem found.
    public func parse(_ yaml: String, file: String? = nil) throws(FlowValidationError) -> Flow {
        try parse(YAMLNode.parse(yaml, file: file), file: file)
    }

    /// Reads a flow from a YAML document already read.
    ///
    /// - Throws: ``FlowValidationError`` with every problem found.
    public func parse(_ root: YAMLNode, file: String? = nil) throws(FlowValidationError) -> Flow {
        let sink = DiagnosticSink()
        let flow = FlowReader(registry: registry, sink: sink).read(root)
        guard sink.diagnostics.isEmpty, var flow else { throw FlowValidationError(sink.diagnostics, file: file) }
        flow.file = file
        return flow
    }
}

/// Reads one flow document, reporting into a sink.
struct FlowReader {
    let registry: TaskRegistry
    let sink: DiagnosticSink
    private static let unsupported = [
        "sla": "SLAs are evaluated by a Kestra server",
        "checks": "checks are evaluated by a Kestra server",
        "workerGroup": "worker groups are an Enterprise Edition feature",
        "afterExecution": "afterExecution is not supported yet; use finally",
        "listeners": "listeners are deprecated; use errors or finally",
        "template": "templates are deprecated",
    ]

    func read(_ root: YAMLNode) -> Flow? {
        guard root.pairs != nil else {
            sink.report("a flow is a map with id, namespace and tasks, not \(root.kindName)", at: root.location)
            return nil
        }
        let properties = TaskProperties(root, sink: sink)
        let id = properties.string("id", required: true)
        if let id, !Identifiers.isFlowID(id) {
            properties.report(
                "flow id '\(id)' must start with a letter or digit and use only letters, digits, '.', '_' and '-'",
                at: "id"
            )
        }
        let namespace = properties.string("namespace", required: true)
        if let namespace, !Identifiers.isNamespace(namespace) {
            properties.report(
                "namespace '\(namespace)' must be lower case letters, digits, '.', '_' and '-'",
                at: "namespace"
            )
        }
        let revision = properties.int("revision")
        let description = properties.string("description")
        let labels = readLabels(properties)
        let inputs = readInputs(properties)
        let variables = readVariables(properties)
        let defaults = readPluginDefaults(properties)
        let tasks = TaskReader(registry: registry, sink: sink, defaults: defaults)
        let taskList = tasks.list(properties, "tasks", required: true)
        let errors = tasks.list(properties, "errors")
        let finally = tasks.list(properties, "finally")
        let outputs = readOutputs(properties)
        let retry = properties.node("retry").flatMap { tasks.retry($0) }
        let disabled = properties.bool("disabled") ?? false
        let triggers = readTriggers(properties)
        if let concurrency = properties.node("concurrency") {
            let reader = TaskProperties(concurrency, sink: sink)
            if let limit = reader.int("limit", required: true), limit < 1 {
                reader.report("the concurrency limit must be at least 1", at: "limit")
            }
            if let behavior = reader.string("behavior"), !["QUEUE", "CANCEL", "FAIL"].contains(behavior) {
                reader.report("the concurrency behavior is QUEUE, CANCEL or FAIL, not '\(behavior)'", at: "behavior")
            }
            reader.reportUnknown(in: "concurrency")
        }
        for (key, reason) in Self.unsupported where properties.contains(key) {
            _ = properties.node(key)
            properties.report("'\(key)' is not supported: \(reason)", at: key)
        }
        properties.reportUnknown(in: "a flow")

        guard let id, let namespace else { return nil }
        let flow = Flow(
            id: id,
            namespace: namespace,
            revision: revision,
            description: description,
            labels: labels,
            inputs: inputs,
            variables: variables,
            tasks: taskList,
            errors: errors,
            finally: finally,
            outputs: outputs,
            retry: retry,
            disabled: disabled,
            triggers: triggers
        )
        FlowChecks(sink: sink).check(flow)
        return flow
    }

    private func readLabels(_ properties: TaskProperties) -> OrderedDictionary<String, String> {
        var labels = OrderedDictionary<String, String>()
        guard let node = properties.node("labels") else { return labels }
        func add(_ key: String, _ value: FlowValue, at location: SourceLocation) {
            if key.hasPrefix("system.") && key != "system.readOnly" {
                sink.report("label '\(key)': system labels can only be set by the engine", at: location)
            }
            labels[key] = value.rendered
        }
        switch node.content {
        case .mapping(let pairs):
            for pair in pairs { add(pair.key.scalar ?? "", pair.value.value, at: pair.key.location) }
        case .sequence(let items):
            for item in items {
                let entry = TaskProperties(item, sink: sink)
                guard item.pairs != nil else {
                    sink.report("a label in a list is a map with key and value", at: item.location)
                    continue
                }
                if let key = entry.string("key", required: true) {
                    add(key, entry.value("value") ?? .null, at: item.location)
                }
                entry.reportUnknown(in: "a label")
            }
        case .scalar:
            sink.report("labels are a map or a list of {key, value}", at: node.location)
        }
        return labels
    }

    private func readVariables(_ properties: TaskProperties) -> OrderedDictionary<String, FlowValue> {
        guard let node = properties.node("variables") else { return [:] }
        guard case .map(let map) = node.value else {
            sink.report("variables are a map of names to values", at: node.location)
            return [:]
        }
        return map
    }

    private func readPluginDefaults(_ properties: TaskProperties) -> [PluginDefault] {
        var nodes: [YAMLNode] = []
        for key in ["pluginDefaults", "taskDefaults"] {
            guard let node = properties.node(key) else { continue }
            guard let items = node.items else {
                sink.report("\(key) is a list of {type, values, forced}", at: node.location)
                continue
            }
            nodes += items
        }
        var defaults: [PluginDefault] = []
        for node in nodes {
            let reader = TaskProperties(node, sink: sink)
            let type = reader.string("type", required: true)
            let forced = reader.bool("forced") ?? false
            let values = reader.node("values", required: true)
            if let values, values.pairs == nil { reader.report("plugin default values are a map", at: "values") }
            reader.reportUnknown(in: "a plugin default")
            if let type, let pairs = values?.pairs {
                defaults.append(PluginDefault(type: type, forced: forced, values: pairs))
            }
        }
        return defaults
    }

    private func readInputs(_ properties: TaskProperties) -> [InputDefinition] {
        guard let node = properties.node("inputs") else { return [] }
        guard let items = node.items else {
            sink.report("inputs are a list of {id, type, …}", at: node.location)
            return []
        }
        var inputs: [InputDefinition] = []
        var seen: [String: SourceLocation] = [:]
        for item in items {
            guard let input = InputReader(sink: sink).input(item) else { continue }
            if let first = seen[input.id] {
                sink.report("duplicate input '\(input.id)' (first at \(first))", at: input.location)
            }
            seen[input.id] = input.location
            inputs.append(input)
        }
        return inputs
    }

    private func readOutputs(_ properties: TaskProperties) -> [OutputDefinition] {
        guard let node = properties.node("outputs") else { return [] }
        guard let items = node.items else {
            sink.report("outputs are a list of {id, type, value}", at: node.location)
            return []
        }
        var outputs: [OutputDefinition] = []
        var seen: Set<String> = []
        for item in items {
            let reader = TaskProperties(item, sink: sink)
            let id = reader.string("id", required: true)
            let type = reader.string("type", required: true).flatMap { name -> InputType? in
                guard let type = InputType(rawValue: name) else {
                    reader.report(
                        "unknown output type '\(name)'; use one of \(InputType.allCases.map(\.rawValue).joined(separator: ", "))",
                        at: "type"
                    )
                    return nil
                }
                return type
            }
            let value = reader.dynamic("value", required: true)
            let description = reader.string("description")
            _ = reader.string("displayName")
            reader.reportUnknown(in: "an output")
            guard let id, let type, let value else { continue }
            if !seen.insert(id).inserted { sink.report("duplicate output '\(id)'", at: item.location) }
            outputs.append(
                OutputDefinition(id: id, type: type, value: value, description: description, location: item.location)
            )
        }
        return outputs
    }

    private func readTriggers(_ properties: TaskProperties) -> [TriggerDefinition] {
        guard let node = properties.node("triggers") else { return [] }
        guard let items = node.items else {
            sink.report("triggers are a list of {id, type, …}", at: node.location)
            return []
        }
        var triggers: [TriggerDefinition] = []
        var seen: [String: SourceLocation] = [:]
        for item in items {
            if let id = item["id"]?.scalar {
                if let first = seen[id] {
                    sink.report("duplicate trigger id '\(id)' (first at \(first))", at: item.location)
                } else {
                    seen[id] = item.location
                }
            }
            if let trigger = TriggerReader(sink: sink).trigger(item) { triggers.append(trigger) }
        }
        return triggers
    }
}

/// Values every task of a type (or of types under a prefix) gets unless it sets them, or always when forced.
struct PluginDefault {
    var type: String
    var forced: Bool
    var values: [YAMLNode.Pair]

    func applies(to taskType: String) -> Bool { taskType.hasPrefix(type) }
}
