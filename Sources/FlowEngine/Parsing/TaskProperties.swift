import OrderedCollections

/// The properties of a task (or of any map in a flow) as written, read with the types a task expects.
///
/// Each accessor marks its key as known, reports a problem at the property's line and column when the value has
/// the wrong type (and returns `nil`), and goes on, so a file's problems are all reported at once. Keys that no
/// accessor read are reported as unknown properties when the task has been read.
public final class TaskProperties {
    /// The map the properties come from.
    public let node: YAMLNode
    /// Where the task (or map) starts.
    public var location: SourceLocation { node.location }
    let sink: DiagnosticSink
    private(set) var readKeys: Set<String> = []

    init(_ node: YAMLNode, sink: DiagnosticSink) {
        self.node = node
        self.sink = sink
    }

    /// Properties of a map read on their own (e.g. by a document format built on flows, such as test suites).
    public convenience init(_ node: YAMLNode) {
        self.init(node, sink: DiagnosticSink())
    }

    /// The properties of a map inside this one, reporting into the same list of problems.
    public func nested(_ node: YAMLNode) -> TaskProperties {
        TaskProperties(node, sink: sink)
    }

    /// Every problem reported so far, here and in nested properties.
    public var problems: [FlowDiagnostic] { sink.diagnostics }

    /// Reports every property no accessor read as unknown, naming what the map is (e.g. "a test case").
    public func reportUnknownProperties(of what: String) {
        reportUnknown(in: what)
    }

    /// Whether the property is written.
    public func contains(_ key: String) -> Bool { node[key] != nil }

    /// The property as written, marked as known.
    public func node(_ key: String, required: Bool = false) -> YAMLNode? {
        readKeys.insert(key)
        guard let value = node[key] else {
            if required { report("missing required property '\(key)'") }
            return nil
        }
        return value
    }

    /// Reports a problem at a property (or at the task when `key` is nil or not written).
    public func report(_ message: String, at key: String? = nil) {
        report(message, at: key, code: .invalidFlow)
    }

    /// Reports a problem of a given kind at a property (or the task when `key` is `nil` or absent).
    func report(_ message: String, at key: String?, code: FlowDiagnostic.Code) {
        let location = key.flatMap { node[$0]?.location } ?? node.location
        sink.report(message, at: location, code: code)
    }

    /// Reports a problem at a node inside a property.
    public func report(_ message: String, at node: YAMLNode) {
        sink.report(message, at: node.location)
    }

    /// A string written as a scalar (templates are not rendered).
    public func string(_ key: String, required: Bool = false) -> String? {
        guard let value = node(key, required: required) else { return nil }
        guard case .scalar(let text, _) = value.content else {
            report("'\(key)' must be a string, not \(value.kindName)", at: key)
            return nil
        }
        return text
    }

    /// A string property holding a template (rendered when the task runs); its expressions are checked now.
    public func template(_ key: String, required: Bool = false) -> Template? {
        guard let value = node(key, required: required) else { return nil }
        return template(from: value, property: key)
    }

    /// A template from a scalar node anywhere in the properties.
    public func template(from value: YAMLNode, property: String) -> Template? {
        guard case .scalar(let text, _) = value.content else {
            report("'\(property)' must be a string, not \(value.kindName)", at: value)
            return nil
        }
        do {
            return try Template(text)
        } catch {
            sink.report(error, in: value, property: property)
            return nil
        }
    }

    /// One template or a list of them (`message: "…"` or `message: ["…", "…"]`).
    public func templates(_ key: String, required: Bool = false) -> [Template]? {
        guard let value = node(key, required: required) else { return nil }
        if let items = value.items { return items.compactMap { template(from: $0, property: key) } }
        return template(from: value, property: key).map { [$0] }
    }

    /// A value of any shape whose strings may be templates.
    public func dynamic(_ key: String, required: Bool = false) -> DynamicValue? {
        guard let value = node(key, required: required) else { return nil }
        return dynamic(from: value, property: key)
    }

    func dynamic(from value: YAMLNode, property: String) -> DynamicValue? {
        switch value.content {
        case .scalar(let text, _):
            guard text.contains("{") else { return .value(value.value) }
            return template(from: value, property: property).map(DynamicValue.template)
        case .sequence(let items):
            return .list(items.compactMap { dynamic(from: $0, property: property) })
        case .mapping(let pairs):
            var entries: [DynamicValue.Entry] = []
            for pair in pairs {
                guard let key = template(from: pair.key, property: property),
                    let item = dynamic(from: pair.value, property: property)
                else { continue }
                entries.append(DynamicValue.Entry(key: key, value: item))
            }
            return .map(entries)
        }
    }

    /// An integer written as such (or a string of digits).
    public func int(_ key: String, required: Bool = false) -> Int? {
        guard let value = node(key, required: required) else { return nil }
        switch value.value {
        case .int(let number): return number
        case .string(let text) where Int(text) != nil: return Int(text)
        default:
            report("'\(key)' must be an integer, not \(value.value.json)", at: key)
            return nil
        }
    }

    /// A boolean written as `true` or `false`.
    public func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let value = node(key, required: required) else { return nil }
        switch value.value {
        case .bool(let flag): return flag
        case .string("true"): return true
        case .string("false"): return false
        default:
            report("'\(key)' must be true or false, not \(value.value.json)", at: key)
            return nil
        }
    }

    /// An ISO-8601 duration such as `PT30S` or `PT1H`.
    public func duration(_ key: String, required: Bool = false) -> Duration? {
        guard let text = string(key, required: required) else { return nil }
        guard let duration = ISODuration.parse(text) else {
            report("'\(key)' must be an ISO-8601 duration such as PT30S or PT1H, not '\(text)'", at: key)
            return nil
        }
        return duration
    }

    /// A value as written (plain YAML: strings, numbers, booleans, lists, maps).
    public func value(_ key: String, required: Bool = false) -> FlowValue? {
        node(key, required: required)?.value
    }

    /// The properties no accessor has read.
    var unreadKeys: [YAMLNode.Pair] {
        (node.pairs ?? []).filter { pair in pair.key.scalar.map { !readKeys.contains($0) } ?? true }
    }

    /// Reports every property no accessor read as unknown.
    func reportUnknown(in what: String) {
        for pair in unreadKeys {
            sink.report(
                "unknown property '\(pair.key.keyText)' of \(what)",
                at: pair.key.location
            )
        }
    }
}
