import Foundation
import OrderedCollections

/// A value flowing through a flow: an input, a task output, a variable, or the result of an expression.
///
/// Numbers are exact: integers, or decimals that keep every digit written (never binary floating point), so a cost
/// passed from one task to another renders exactly as it was produced. Maps keep their keys in insertion order, as
/// Kestra does, so JSON renderings are stable.
public enum FlowValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case decimal(Decimal)
    case string(String)
    case list([FlowValue])
    case map(OrderedDictionary<String, FlowValue>)

    /// The value of a key of a map; `nil` for a missing key or a value that is not a map.
    public subscript(key: String) -> FlowValue? {
        if case .map(let map) = self { return map[key] }
        return nil
    }

    /// The text a template prints for the value: strings as they are, null as nothing, maps and lists as JSON.
    public var rendered: String {
        switch self {
        case .null: ""
        case .bool(let value): value ? "true" : "false"
        case .int(let value): String(value)
        case .decimal(let value): value.description
        case .string(let value): value
        case .list, .map: json
        }
    }

    /// Whether a condition holds: Kestra's rule that a rendered value of `false`, `0`, `-0` or nothing is false.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .int(let value): value != 0
        case .decimal(let value): !value.isZero
        case .string(let value): !["false", "0", "-0", ""].contains(value.trimmingCharacters(in: .whitespaces))
        case .list, .map: true
        }
    }

    /// The value as a number: an integer or a decimal, or text that is exactly one (`"12"`, `" 0.5 "`).
    public var numericValue: Decimal? {
        guard case .string(let text) = self else { return decimalValue }
        guard let parsed = try? FlowValue(parsingJSON: text.trimmingCharacters(in: .whitespaces)) else { return nil }
        if case .string = parsed { return nil }
        return parsed.decimalValue
    }

    /// The name of the value's kind, for messages (`string`, `integer`, `map`, …).
    public var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .decimal: "number"
        case .string: "string"
        case .list: "list"
        case .map: "map"
        }
    }
}

extension FlowValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: FlowValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, FlowValue)...) {
        self = .map(OrderedDictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension FlowValue: CustomStringConvertible {
    /// The value as JSON (strings quoted), for messages and logs.
    public var description: String { json }
}
