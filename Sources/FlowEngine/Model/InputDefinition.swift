import Foundation
import OrderedCollections

/// The type of a flow input or output, by Kestra's names.
public enum InputType: String, Sendable, Hashable, CaseIterable {
    case string = "STRING"
    case int = "INT"
    case float = "FLOAT"
    case boolean = "BOOLEAN"
    case bool = "BOOL"
    case datetime = "DATETIME"
    case date = "DATE"
    case time = "TIME"
    case duration = "DURATION"
    case select = "SELECT"
    case `enum` = "ENUM"
    case multiselect = "MULTISELECT"
    case array = "ARRAY"
    case json = "JSON"
    case yaml = "YAML"
    case uri = "URI"
    case email = "EMAIL"
    case secret = "SECRET"
    case file = "FILE"
}

/// An input a flow takes, with its type and constraints.
public struct InputDefinition: Sendable, Hashable {
    /// Dots nest: `a.b` is `inputs.a.b`.
    public var id: String
    public var type: InputType
    public var description: String?
    public var displayName: String?
    /// Whether a value (given or default) must exist; true unless written otherwise.
    public var required: Bool
    public var defaults: FlowValue?
    /// STRING: a regular expression the whole value must match.
    public var validator: String?
    /// INT, FLOAT, DURATION bounds (inclusive).
    public var min: FlowValue?
    public var max: FlowValue?
    /// DATETIME, DATE, TIME bounds.
    public var after: FlowValue?
    public var before: FlowValue?
    /// SELECT, ENUM, MULTISELECT choices.
    public var values: [String]?
    public var allowCustomValue: Bool
    /// ARRAY (and MULTISELECT) element type.
    public var itemType: InputType?
    public var location: SourceLocation

    public init(id: String, type: InputType, required: Bool = true, defaults: FlowValue? = nil) {
        self.id = id
        self.type = type
        self.required = required
        self.defaults = defaults
        self.allowCustomValue = false
        self.location = SourceLocation(line: 1, column: 1)
    }

    /// The typed value of the input from what was supplied (or its default).
    ///
    /// - Throws: ``InputError`` naming the input and saying what was expected.
    public func resolve(_ supplied: FlowValue?) throws(InputError) -> FlowValue {
        let raw = supplied ?? defaults ?? .null
        if raw == .null {
            guard !required else { throw InputError(input: id, "missing required input", received: .null) }
            return .null
        }
        let value = try Self.convert(raw, to: type, input: id, itemType: itemType)
        try check(value, raw: raw)
        return value
    }

    static func convert(
        _ raw: FlowValue,
        to type: InputType,
        input: String,
        itemType: InputType? = nil
    ) throws(InputError) -> FlowValue {
        func fail(_ expected: String) -> InputError { InputError(input: input, "expected \(expected)", received: raw) }
        switch type {
        case .string, .secret, .select, .enum:
            if case .map = raw { return .string(raw.json) }
            if case .list = raw { return .string(raw.json) }
            return .string(raw.rendered)
        case .int:
            switch raw {
            case .int: return raw
            case .string(let text):
                if let number = Int(text.trimmingCharacters(in: .whitespaces)) { return .int(number) }
            case .decimal: if let number = raw.integerValue { return .int(number) }
            default: break
            }
            throw fail("an integer")
        case .float:
            switch raw {
            case .int(let number): return .decimal(Decimal(number))
            case .decimal: return raw
            case .string(let text):
                if let value = try? FlowValue(parsingJSON: text.trimmingCharacters(in: .whitespaces)) {
                    if case .int(let number) = value { return .decimal(Decimal(number)) }
                    if case .decimal = value { return value }
                }
            default: break
            }
            throw fail("a number")
        case .boolean, .bool:
            switch raw {
            case .bool: return raw
            case .string(let text) where text.lowercased() == "true": return .bool(true)
            case .string(let text) where text.lowercased() == "false": return .bool(false)
            default: throw fail("true or false")
            }
        case .datetime:
            guard let date = InputDates.dateTime(raw.rendered) else {
                throw fail("an ISO-8601 date-time such as 2024-01-31T10:00:00Z")
            }
            return .string(InputDates.format(dateTime: date))
        case .date:
            guard InputDates.date(raw.rendered) != nil else { throw fail("a date such as 2024-01-31") }
            return .string(raw.rendered)
        case .time:
            guard InputDates.time(raw.rendered) != nil else { throw fail("a time such as 10:30:00") }
            return .string(raw.rendered)
        case .duration:
            guard let duration = ISODuration.parse(raw.rendered) else {
                throw fail("an ISO-8601 duration such as PT5M")
            }
            return .string(ISODuration.format(duration))
        case .multiselect, .array:
            var items: [FlowValue]
            switch raw {
            case .list(let list): items = list
            case .string(let text):
                guard case .list(let list)? = try? FlowValue(parsingJSON: text) else { throw fail("a JSON list") }
                items = list
            default: throw fail("a list")
            }
            let element = itemType ?? .string
            for index in items.indices {
                do {
                    items[index] = try convert(items[index], to: element, input: input)
                } catch {
                    throw InputError(input: input, "element \(index + 1) is not \(element.rawValue)", received: raw)
                }
            }
            return .list(items)
        case .json:
            if case .string(let text) = raw {
                do { return try FlowValue(parsingJSON: text) } catch { throw fail("JSON (\(error.message))") }
            }
            return raw
        case .yaml:
            if case .string(let text) = raw {
                do { return try YAMLLoader.load(text).value } catch { throw fail("YAML (\(error.message))") }
            }
            return raw
        case .uri:
            let text = raw.rendered
            guard let url = URL(string: text), url.scheme != nil, url.host != nil || url.scheme == "file" else {
                throw fail("a URI such as https://example.com/path")
            }
            return .string(text)
        case .email:
            let text = raw.rendered
            let parts = text.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
                !text.contains(" ")
            else { throw fail("an email address") }
            return .string(text)
        case .file:
            throw InputError(
                input: input,
                "FILE inputs need Kestra's internal storage, which this engine does not have",
                received: raw
            )
        }
    }

    private func check(_ value: FlowValue, raw: FlowValue) throws(InputError) {
        switch type {
        case .string, .secret:
            if let validator {
                let text = value.rendered
                guard let regex = try? RegularExpression.compile("^(?:\(validator))$") else { return }
                let range = NSRange(text.startIndex..., in: text)
                guard regex.firstMatch(in: text, range: range) != nil else {
                    throw InputError(input: id, "it must match the pattern `\(validator)`", received: raw)
                }
            }
        case .int, .float:
            if let min, let low = min.numericValue, let number = value.numericValue, number < low {
                throw InputError(input: id, "it must be at least `\(min.rendered)`", received: raw)
            }
            if let max, let high = max.numericValue, let number = value.numericValue, number > high {
                throw InputError(input: id, "it must be at most `\(max.rendered)`", received: raw)
            }
        case .duration:
            let duration = ISODuration.parse(value.rendered)
            if let min, let low = ISODuration.parse(min.rendered), let duration, duration < low {
                throw InputError(input: id, "it must be at least `\(min.rendered)`", received: raw)
            }
            if let max, let high = ISODuration.parse(max.rendered), let duration, duration > high {
                throw InputError(input: id, "it must be at most `\(max.rendered)`", received: raw)
            }
        case .datetime: try checkOrder(value, raw: raw, by: InputDates.dateTime)
        case .date: try checkOrder(value, raw: raw, by: InputDates.date)
        case .time: try checkOrder(value, raw: raw, by: InputDates.time)
        case .select, .enum:
            if let values, !allowCustomValue, !values.contains(value.rendered) {
                throw InputError(
                    input: id,
                    "it must be one of \(values.map { "`\($0)`" }.joined(separator: ", "))",
                    received: raw
                )
            }
        case .multiselect:
            if let values, !allowCustomValue, case .list(let items) = value {
                for item in items where !values.contains(item.rendered) {
                    throw InputError(
                        input: id,
                        "`\(item.rendered)` is not one of \(values.map { "`\($0)`" }.joined(separator: ", "))",
                        received: raw
                    )
                }
            }
        default:
            break
        }
    }

    /// Checks `after` and `before` (both exclusive) on the keys the values sort by.
    private func checkOrder<Key: Comparable>(
        _ value: FlowValue,
        raw: FlowValue,
        by key: (String) -> Key?
    ) throws(InputError) {
        guard let current = key(value.rendered) else { return }
        if let after, let bound = key(after.rendered), current <= bound {
            throw InputError(input: id, "it must be after `\(after.rendered)`", received: raw)
        }
        if let before, let bound = key(before.rendered), current >= bound {
            throw InputError(input: id, "it must be before `\(before.rendered)`", received: raw)
        }
    }

}

/// A supplied input that does not fit its definition.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    public var input: String
    public var reason: String
    public var received: FlowValue

    public init(input: String, _ reason: String, received: FlowValue) {
        self.input = input
        self.reason = reason
        self.received = received
    }

    /// Kestra's wording: ``Invalid input for `id`, reason, but received `value` ``.
    public var description: String {
        "invalid input for `\(input)`, \(reason), but received `\(received == .null ? "null" : received.rendered)`"
    }
}

/// ISO-8601 date and time texts of DATETIME, DATE and TIME inputs.
enum InputDates {
    static func dateTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }

    static func format(dateTime date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// `yyyy-MM-dd`, as a sortable key.
    static func date(_ text: String) -> String? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil, (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        return text
    }

    /// `HH:mm[:ss[.fraction]]`, as a sortable key.
    static func time(_ text: String) -> String? {
        let parts = text.split(separator: ":")
        guard (2...3).contains(parts.count), parts[0].count == 2, parts[1].count == 2, let hour = Int(parts[0]),
            let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        if parts.count == 3 {
            guard let second = Double(parts[2]), second < 60, parts[2].count >= 2 else { return nil }
            return text
        }
        return text + ":00"
    }
}
