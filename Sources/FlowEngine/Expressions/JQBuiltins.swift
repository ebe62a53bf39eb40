import Foundation
import OrderedCollections

/// The jq builtin functions the interpreter knows.
enum JQBuiltins {
    static func call(_ name: String, _ arguments: [JQNode], _ input: FlowValue) throws(EvaluationFailure) -> [FlowValue]
    {
        switch (name, arguments.count) {
        case ("empty", 0): return []
        case ("not", 0): return [.bool(!JQ.isTruthy(input))]
        case ("select", 1):
            return try JQ.evaluate(arguments[0], input).contains(where: JQ.isTruthy) ? [input] : []
        case ("map", 1):
            var results: [FlowValue] = []
            for item in try items(of: input) { results += try JQ.evaluate(arguments[0], item) }
            return [.list(results)]
        case ("map_values", 1):
            guard case .map(let map) = input else { return try call("map", arguments, input) }
            var result = OrderedDictionary<String, FlowValue>()
            for (key, value) in map {
                if let first = try JQ.evaluate(arguments[0], value).first { result[key] = first }
            }
            return [.map(result)]
        case ("with_entries", 1):
            let entries = try call("to_entries", [], input)[0]
            let mapped = try call("map", arguments, entries)[0]
            return try call("from_entries", [], mapped)
        case ("has", 1):
            return try JQ.evaluate(arguments[0], input).map { key throws(EvaluationFailure) in
                switch (input, key) {
                case (.map(let map), .string(let name)): return .bool(map[name] != nil)
                case (.list(let list), _): return .bool(key.integerValue.map { list.indices.contains($0) } ?? false)
                default: throw EvaluationFailure("jq: cannot check whether \(input.kindName) has a \(key.kindName) key")
                }
            }
        case ("contains", 1):
            return try JQ.evaluate(arguments[0], input).map { .bool(contains(input, $0)) }
        case ("first", 1): return Array(try JQ.evaluate(arguments[0], input).prefix(1))
        case ("last", 1): return Array(try JQ.evaluate(arguments[0], input).suffix(1))
        case ("sort_by", 1), ("unique_by", 1), ("min_by", 1), ("max_by", 1):
            var keyed: [(key: FlowValue, value: FlowValue)] = []
            for item in try items(of: input) { keyed.append((.list(try JQ.evaluate(arguments[0], item)), item)) }
            keyed.sort { JQ.compare($0.key, $1.key) == .orderedAscending }
            switch name {
            case "min_by": return [keyed.first?.value ?? .null]
            case "max_by": return [keyed.last?.value ?? .null]
            case "unique_by":
                var kept: [(key: FlowValue, value: FlowValue)] = []
                for entry in keyed where kept.last.map({ JQ.compare($0.key, entry.key) != .orderedSame }) ?? true {
                    kept.append(entry)
                }
                return [.list(kept.map(\.value))]
            default: return [.list(keyed.map(\.value))]
            }
        case ("join", 1):
            return try JQ.evaluate(arguments[0], input).map { separator throws(EvaluationFailure) in
                let parts = try items(of: input).map { item in item == .null ? "" : item.rendered }
                return .string(parts.joined(separator: separator.rendered))
            }
        case ("split", 1):
            return try JQ.evaluate(arguments[0], input).map { separator throws(EvaluationFailure) in
                try JQ.binary(.divide, input, separator)
            }
        case ("startswith", 1), ("endswith", 1), ("ltrimstr", 1), ("rtrimstr", 1):
            return try JQ.evaluate(arguments[0], input).map { affix in
                guard case .string(let text) = input, case .string(let part) = affix else {
                    return name.hasSuffix("trimstr") ? input : .bool(false)
                }
                switch name {
                case "startswith": return .bool(text.hasPrefix(part))
                case "endswith": return .bool(text.hasSuffix(part))
                case "ltrimstr": return .string(text.hasPrefix(part) ? String(text.dropFirst(part.count)) : text)
                default: return .string(text.hasSuffix(part) ? String(text.dropLast(part.count)) : text)
                }
            }
        case ("range", 1), ("range", 2):
            let bounds = try arguments.map { node throws(EvaluationFailure) in
                try JQ.evaluate(node, input).first ?? .null
            }
            let (from, to) = bounds.count == 1 ? (FlowValue.int(0), bounds[0]) : (bounds[0], bounds[1])
            guard case .list(let values) = try ValueOperations.range(from: from, to: to, step: .int(1)) else {
                return []
            }
            return values.filter { ValueOperations.equal($0, to) == false }
        case ("limit", 2):
            guard let count = try JQ.evaluate(arguments[0], input).first?.integerValue else { return [] }
            return Array(try JQ.evaluate(arguments[1], input).prefix(max(0, count)))
        case ("any", 0), ("all", 0):
            let values = try items(of: input).map(JQ.isTruthy)
            return [.bool(name == "any" ? values.contains(true) : !values.contains(false))]
        default:
            guard arguments.isEmpty else {
                throw EvaluationFailure("jq: unknown function `\(name)/\(arguments.count)`")
            }
            return [try simple(name, input)]
        }
    }

    /// The builtins without arguments that map one input to one output.
    private static func simple(_ name: String, _ input: FlowValue) throws(EvaluationFailure) -> FlowValue {
        switch name {
        case "length":
            switch input {
            case .null: return .int(0)
            case .int(let value):
                guard value != .min else { throw EvaluationFailure("jq: integer overflow") }
                return .int(abs(value))
            case .decimal(let value): return .decimal(value < 0 ? -value : value)
            case .bool: throw EvaluationFailure("jq: boolean has no length")
            default: return .int(Filters.length(of: input))
            }
        case "keys", "keys_unsorted":
            switch input {
            case .map(let map):
                return .list((name == "keys" ? map.keys.sorted() : Array(map.keys)).map(FlowValue.string))
            case .list(let items): return .list(items.indices.map(FlowValue.int))
            default: throw EvaluationFailure("jq: \(input.kindName) has no keys")
            }
        case "values": return input
        case "first": return try items(of: input).first ?? .null
        case "last": return try items(of: input).last ?? .null
        case "reverse":
            if case .string(let text) = input { return .string(String(text.reversed())) }
            return .list(try items(of: input).reversed())
        case "add":
            var total = FlowValue.null
            for item in try items(of: input) { total = try JQ.binary(.add, total, item) }
            return total
        case "sort": return .list(try items(of: input).sorted { JQ.compare($0, $1) == .orderedAscending })
        case "unique":
            var kept: [FlowValue] = []
            for item in try items(of: input).sorted(by: { JQ.compare($0, $1) == .orderedAscending })
            where kept.last.map({ JQ.compare($0, item) != .orderedSame }) ?? true {
                kept.append(item)
            }
            return .list(kept)
        case "min": return try items(of: input).min { JQ.compare($0, $1) == .orderedAscending } ?? .null
        case "max": return try items(of: input).max { JQ.compare($0, $1) == .orderedAscending } ?? .null
        case "flatten":
            return .list(
                try items(of: input).flatMap { item -> [FlowValue] in
                    if case .list(let inner) = item { return inner }
                    return [item]
                }
            )
        case "to_entries":
            guard case .map(let map) = input else { throw EvaluationFailure("jq: to_entries needs an object") }
            return .list(map.map { key, value in ["key": .string(key), "value": value] })
        case "from_entries":
            var map = OrderedDictionary<String, FlowValue>()
            for entry in try items(of: input) {
                let key = entry["key"] ?? entry["k"] ?? entry["name"] ?? entry["Name"] ?? entry["Key"] ?? .null
                map[key.rendered] = entry["value"] ?? entry["v"] ?? entry["Value"] ?? .null
            }
            return .map(map)
        case "tostring": return .string(input.isString ? input.rendered : input.json)
        case "tojson": return .string(input.json)
        case "fromjson":
            guard case .string(let text) = input, let value = try? FlowValue(parsingJSON: text) else {
                throw EvaluationFailure("jq: fromjson needs JSON text")
            }
            return value
        case "tonumber": return try NumberFilters.number(input, type: nil)
        case "type":
            switch input {
            case .null: return "null"
            case .bool: return "boolean"
            case .int, .decimal: return "number"
            case .string: return "string"
            case .list: return "array"
            case .map: return "object"
            }
        case "ascii_downcase": return .string(input.rendered.lowercased())
        case "ascii_upcase": return .string(input.rendered.uppercased())
        case "floor", "ceil", "round":
            guard let value = input.decimalValue else { throw EvaluationFailure("jq: \(name) needs a number") }
            let mode: DecimalRounding = name == "floor" ? .floor : name == "ceil" ? .ceiling : .halfUp
            return .int(FlowValue.decimal(DecimalRounding.round(value, scale: 0, mode: mode)).integerValue ?? 0)
        default:
            throw EvaluationFailure("jq: unknown function `\(name)`")
        }
    }

    private static func items(of value: FlowValue) throws(EvaluationFailure) -> [FlowValue] {
        switch value {
        case .list(let items): return items
        case .map(let map): return Array(map.values)
        default: throw EvaluationFailure("jq: cannot iterate over \(value.kindName)")
        }
    }

    /// jq's `contains`: substrings, sub-arrays and sub-objects.
    private static func contains(_ container: FlowValue, _ part: FlowValue) -> Bool {
        switch (container, part) {
        case (.string(let text), .string(let sub)): return text.contains(sub)
        case (.list(let items), .list(let subs)): return subs.allSatisfy { sub in items.contains { contains($0, sub) } }
        case (.map(let map), .map(let subs)):
            return subs.allSatisfy { key, sub in map[key].map { contains($0, sub) } ?? false }
        default: return ValueOperations.equal(container, part)
        }
    }
}

extension FlowValue {
    var isString: Bool {
        if case .string = self { return true }
        return false
    }
}
