import Foundation
import OrderedCollections

/// The filters a template may apply with `|`.
enum FilterName: String, Sendable, CaseIterable {
    case json, toJson, `default`, upper, lower, title, capitalize, trim, length, first, last, join, split, replace
    case keys, values, abs, number, round, date, dateAdd, timestamp, timestampMilli, timestampMicro, timestampNano
    case slugify, jq, startsWith, endsWith, substringBefore, substringAfter, substringBeforeLast, substringAfterLast
    case sort, rsort, reverse, slice, merge, flatten, distinct, urlencode, urldecode, base64encode, base64decode
    case sha256, indent, nindent, chunk, abbreviate, string, escapeChar

    /// The parameters, in positional order, and how many are required.
    var signature: Signature {
        switch self {
        case .default: Signature(["default"], required: 1)
        case .join: Signature(["separator"])
        case .split: Signature(["delimiter", "limit"], required: 1)
        case .replace: Signature(["replace_pairs", "regexp"], required: 1)
        case .number: Signature(["type"])
        case .round: Signature(["precision", "mode"])
        case .date, .timestamp, .timestampMilli, .timestampMicro, .timestampNano:
            Signature(DateArguments.parameters)
        case .dateAdd: Signature(["amount", "unit"] + DateArguments.parameters, required: 2)
        case .jq: Signature(["expression"], required: 1)
        case .startsWith: Signature(["prefix"], required: 1)
        case .endsWith: Signature(["suffix"], required: 1)
        case .substringBefore, .substringAfter, .substringBeforeLast, .substringAfterLast:
            Signature(["separator"], required: 1)
        case .slice: Signature(["fromIndex", "toIndex"])
        case .merge: Signature(["items"], required: 1)
        case .indent, .nindent: Signature(["amount", "prefix"], required: 1)
        case .chunk: Signature(["size"], required: 1)
        case .abbreviate: Signature(["length"], required: 1)
        case .escapeChar: Signature(["type"], required: 1)
        default: Signature()
        }
    }
}

/// The evaluated arguments of a filter or function call, in parameter order.
struct FilterArguments {
    private let values: [FlowValue?]

    init(_ values: [FlowValue?]) { self.values = values }

    /// The argument at a position, `nil` when absent or null.
    subscript(_ index: Int) -> FlowValue? {
        guard index < values.count, let value = values[index], value != .null else { return nil }
        return value
    }

    var count: Int { values.count }

    func string(_ index: Int) throws(EvaluationFailure) -> String? {
        guard let value = self[index] else { return nil }
        guard case .string(let text) = value else {
            throw EvaluationFailure("argument \(index + 1) must be a string, not \(value.kindName)")
        }
        return text
    }

    func integer(_ index: Int) throws(EvaluationFailure) -> Int? {
        guard let value = self[index] else { return nil }
        guard let number = value.integerValue else {
            throw EvaluationFailure("argument \(index + 1) must be an integer, not \(value.kindName)")
        }
        return number
    }

    func bool(_ index: Int) -> Bool? { self[index]?.isTruthy }
}

/// The implementation of every filter.
enum Filters {
    static func apply(
        _ name: FilterName,
        to input: FlowValue,
        arguments: FilterArguments,
        context: EvaluationContext
    ) throws(EvaluationFailure) -> FlowValue {
        switch name {
        case .json, .toJson: return .string(input.json)
        case .default: return isEmpty(input) ? arguments[0] ?? .null : input
        case .string: return .string(input.rendered)
        case .length: return .int(length(of: input))
        case .date, .dateAdd, .timestamp, .timestampMilli, .timestampMicro, .timestampNano:
            return try DateFilters.apply(name, to: input, arguments: arguments, context: context)
        case .jq:
            guard let expression = try arguments.string(0) else { throw EvaluationFailure("needs an expression") }
            return .list(try JQ.run(expression, on: input))
        case .keys, .values, .first, .last, .join, .sort, .rsort, .reverse, .slice, .merge, .flatten, .distinct, .chunk:
            return try CollectionFilters.apply(name, to: input, arguments: arguments)
        case .abs, .number, .round:
            return try NumberFilters.apply(name, to: input, arguments: arguments)
        default:
            if input == .null { return .null }
            return try StringFilters.apply(name, to: input, arguments: arguments)
        }
    }

    /// Pebble's emptiness: null, a blank string, an empty list or map.
    static func isEmpty(_ value: FlowValue) -> Bool {
        switch value {
        case .null: true
        case .string(let text): text.allSatisfy(\.isWhitespace)
        case .list(let items): items.isEmpty
        case .map(let map): map.isEmpty
        default: false
        }
    }

    static func length(of value: FlowValue) -> Int {
        switch value {
        case .null: 0
        case .string(let text): text.count
        case .list(let items): items.count
        case .map(let map): map.count
        default: value.rendered.count
        }
    }
}

/// Filters on numbers.
enum NumberFilters {
    static func apply(
        _ name: FilterName,
        to input: FlowValue,
        arguments: FilterArguments
    ) throws(EvaluationFailure) -> FlowValue {
        switch name {
        case .abs:
            switch input {
            case .int(let value):
                guard value != .min else { throw EvaluationFailure("integer overflow") }
                return .int(Swift.abs(value))
            case .decimal(let value): return .decimal(value < 0 ? -value : value)
            default: throw EvaluationFailure("needs a number, not \(input.kindName)")
            }
        case .number: return try number(input, type: arguments.string(0))
        default:
            let precision = try arguments.integer(0) ?? 0
            let modeName = try arguments.string(1) ?? "HALF_UP"
            guard let mode = DecimalRounding(rawValue: modeName.uppercased()) else {
                throw EvaluationFailure("unknown rounding mode `\(modeName)`")
            }
            let value = try number(input, type: nil)
            guard case .decimal(let decimal) = value else { return value }
            let rounded = DecimalRounding.round(decimal, scale: precision, mode: mode)
            if precision <= 0, let integer = FlowValue.decimal(rounded).integerValue { return .int(integer) }
            return .decimal(rounded)
        }
    }

    /// A number from a number or numeric text; `type` (INT, LONG, FLOAT, DOUBLE, BIGDECIMAL, BIGINTEGER) forces the kind.
    static func number(_ input: FlowValue, type: String?) throws(EvaluationFailure) -> FlowValue {
        let value: FlowValue
        switch input {
        case .int, .decimal: value = input
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let integer = Int(trimmed) {
                value = .int(integer)
            } else if isDecimalText(trimmed),
                let decimal = Decimal(string: trimmed, locale: Locale(identifier: "en_US_POSIX"))
            {
                value = .decimal(decimal)
            } else {
                throw EvaluationFailure("`\(text)` is not a number")
            }
        default: throw EvaluationFailure("needs a number or numeric text, not \(input.kindName)")
        }
        switch type?.uppercased() {
        case nil: return value
        case "INT", "LONG", "BIGINTEGER":
            guard let integer = value.integerValue else {
                throw EvaluationFailure("`\(input.rendered)` is not an integer")
            }
            return .int(integer)
        case "FLOAT", "DOUBLE", "BIGDECIMAL": return .decimal(value.decimalValue ?? 0)
        case let other?: throw EvaluationFailure("unknown number type `\(other)`")
        }
    }

    private static func isDecimalText(_ text: String) -> Bool {
        var scalars = Substring(text)
        if scalars.first == "-" || scalars.first == "+" { scalars = scalars.dropFirst() }
        let mantissa = scalars.prefix { $0 != "e" && $0 != "E" }
        let exponent = scalars.dropFirst(mantissa.count + 1)
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.contains(where: { !$0.isEmpty }),
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } })
        else { return false }
        guard mantissa.count < scalars.count else { return true }
        let digits = exponent.first == "-" || exponent.first == "+" ? exponent.dropFirst() : exponent
        return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
