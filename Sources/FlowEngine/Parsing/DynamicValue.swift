import OrderedCollections

/// A property value that may hold templates anywhere inside it: rendered when the task runs.
public indirect enum DynamicValue: Sendable, Hashable {
    /// A value without templates.
    case value(FlowValue)
    /// A string with `{{ }}` or `{% %}`: a single expression keeps its type, anything else renders to a string.
    case template(Template)
    case list([DynamicValue])
    /// Keys may be templates too (Kestra renders map keys, e.g. of labels).
    case map([Entry])

    /// One key and value of a map.
    public struct Entry: Sendable, Hashable {
        public var key: Template
        public var value: DynamicValue
    }

    /// The value with every template rendered.
    public func render(_ context: EvaluationContext) throws(ExpressionError) -> FlowValue {
        switch self {
        case .value(let value):
            return value
        case .template(let template):
            return try template.renderTyped(context)
        case .list(let items):
            var values: [FlowValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try item.render(context)) }
            return .list(values)
        case .map(let entries):
            var map = OrderedDictionary<String, FlowValue>()
            for entry in entries { map[try entry.key.render(context)] = try entry.value.render(context) }
            return .map(map)
        }
    }
}
