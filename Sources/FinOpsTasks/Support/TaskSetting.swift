import FlowEngine

/// A typed task property that may hold an expression.
///
/// Written as a constant, it is parsed when the flow is read, so a mistake is reported at its line and column by
/// `finops flow validate`; written with `{{ }}`, it is rendered and parsed when the task runs, and a mistake fails
/// the task naming the property.
struct TaskSetting<Value: Sendable>: Sendable {
    fileprivate enum Source: Sendable {
        case constant(Value)
        case template(Template, parse: @Sendable (String) throws -> Value)
        case computed(@Sendable (TaskContext) throws -> Value)
    }

    private let source: Source
    private let property: String

    /// The value, rendering and parsing an expression now.
    func value(in context: TaskContext) throws -> Value {
        switch source {
        case .constant(let value):
            return value
        case .template(let template, let parse):
            let text = try context.renderTyped(template).rendered
            do {
                return try parse(text)
            } catch {
                throw TaskFailure("\(property): \(error) (rendered from '\(template.source)' as '\(text)')")
            }
        case .computed(let compute):
            return try compute(context)
        }
    }

    /// The value when it was written as a constant; `nil` for an expression.
    var constantValue: Value? {
        if case .constant(let value) = source { return value }
        return nil
    }

    /// Whether the value was written as a constant.
    var isConstant: Bool {
        if case .constant = source { return true }
        return false
    }

    /// A value built from other settings when the task runs (e.g. a query from its parts).
    static func combining(
        property: String,
        _ compute: @escaping @Sendable (TaskContext) throws -> Value
    ) -> TaskSetting {
        TaskSetting(source: .computed(compute), property: property)
    }

    fileprivate init(source: Source, property: String) {
        self.source = source
        self.property = property
    }
}

extension TaskProperties {
    /// A typed property: a scalar, or a list of scalars read as one text joined by commas (so `rows:
    /// [ServiceName, month(ChargePeriodStart)]` and `rows: "ServiceName, month(ChargePeriodStart)"` agree).
    func setting<Value: Sendable>(
        _ key: String,
        required: Bool = false,
        parse: @escaping @Sendable (String) throws -> Value
    ) -> TaskSetting<Value>? {
        guard let node = node(key, required: required) else { return nil }
        let text: String
        switch node.content {
        case .scalar(let scalar, _):
            text = scalar
        case .sequence(let items):
            var parts: [String] = []
            for item in items {
                guard case .scalar(let scalar, _) = item.content else {
                    report("'\(key)' is a text or a list of texts, not a list holding \(item.kindName)", at: item)
                    return nil
                }
                parts.append(scalar)
            }
            text = parts.joined(separator: ",")
        case .mapping:
            report("'\(key)' is a text or a list of texts, not a map", at: key)
            return nil
        }
        if text.contains("{{") || text.contains("{%") {
            let parsed = node.items == nil ? template(from: node, property: key) : joinedTemplate(text, property: key)
            guard let template = parsed else { return nil }
            return TaskSetting(source: .template(template, parse: parse), property: key)
        }
        do {
            return TaskSetting(source: .constant(try parse(text)), property: key)
        } catch {
            report("'\(key)': \(error)", at: key)
            return nil
        }
    }

    /// An integer property within bounds.
    func integerSetting(_ key: String, in range: ClosedRange<Int>) -> TaskSetting<Int>? {
        setting(key) { text in
            guard let value = Int(text.trimmingWhitespace), range.contains(value) else {
                throw SettingError("takes an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            }
            return value
        }
    }

    /// A number property within bounds (thresholds, percentages: parameters, not money).
    func numberSetting(_ key: String, in range: ClosedRange<Double>) -> TaskSetting<Double>? {
        setting(key) { text in
            guard let value = Double(text.trimmingWhitespace), range.contains(value) else {
                throw SettingError("takes a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            }
            return value
        }
    }

    /// A boolean property: `true` or `false`, or an expression that renders to one.
    func boolSetting(_ key: String) -> TaskSetting<Bool>? {
        setting(key) { text in
            switch text.trimmingWhitespace {
            case "true": return true
            case "false": return false
            default: throw SettingError("is true or false, not '\(text)'")
            }
        }
    }

    /// An ISO-8601 duration property (`PT30S`) within bounds.
    func durationSetting(_ key: String, in range: ClosedRange<Duration>) -> TaskSetting<Duration>? {
        setting(key) { text in
            guard let duration = ISODuration.parse(text.trimmingWhitespace), range.contains(duration) else {
                throw SettingError(
                    "takes an ISO-8601 duration from \(range.lowerBound) to \(range.upperBound), such as PT10S, not '\(text)'"
                )
            }
            return duration
        }
    }

    /// A property whose value is one of a fixed set of names.
    func choiceSetting<Choice: RawRepresentable & Sendable & CaseIterable>(_ key: String) -> TaskSetting<Choice>?
    where Choice.RawValue == String {
        setting(key) { text in
            guard let choice = Choice(rawValue: text.trimmingWhitespace) else {
                let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
                throw SettingError("is one of \(names), not '\(text)'")
            }
            return choice
        }
    }

    private func joinedTemplate(_ text: String, property: String) -> Template? {
        do {
            return try Template(text)
        } catch {
            report("'\(property)': \(error)", at: property)
            return nil
        }
    }
}

/// Why a property's text is not a valid value.
struct SettingError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) { self.description = description }
}

extension String {
    var trimmingWhitespace: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}
