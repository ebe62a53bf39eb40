import Foundation
import OrderedCollections

/// Filters on lists and maps.
enum CollectionFilters {
    static func apply(
        _ name: FilterName,
        to input: FlowValue,
        arguments: FilterArguments
    ) throws(EvaluationFailure) -> FlowValue {
        if input == .null { return .null }
        switch name {
        case .keys:
            switch input {
            case .map(let map): return .list(map.keys.map(FlowValue.string))
            case .list(let items): return .list(items.indices.map(FlowValue.int))
            default: throw EvaluationFailure("needs a map or a list, not \(input.kindName)")
            }
        case .values:
            switch input {
            case .map(let map): return .list(Array(map.values))
            case .list: return input
            default: throw EvaluationFailure("needs a map, not \(input.kindName)")
            }
        case .first, .last: return edge(of: input, first: name == .first)
        case .join:
            guard case .list(let items) = input else { return input }
            return .string(items.map(\.rendered).joined(separator: try arguments.string(0) ?? ""))
        case .sort, .rsort:
            var items = try list(input)
            var failure: EvaluationFailure?
            items.sort { left, right in
                do throws(EvaluationFailure) {
                    return try ValueOperations.compare(left, right) == .orderedAscending
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
            return .list(name == .rsort ? items.reversed() : items)
        case .reverse:
            if case .string(let text) = input { return .string(String(text.reversed())) }
            return .list(try list(input).reversed())
        case .slice: return try slice(input, arguments)
        case .merge: return try merge(input, arguments[0] ?? .null)
        case .flatten:
            return .list(
                try list(input).flatMap { item -> [FlowValue] in
                    if case .list(let inner) = item { return inner }
                    return [item]
                }
            )
        case .distinct:
            var kept: [FlowValue] = []
            for item in try list(input) where !kept.contains(where: { ValueOperations.equal($0, item) }) {
                kept.append(item)
            }
            return .list(kept)
        default:
            guard let size = try arguments.integer(0), size > 0 else {
                throw EvaluationFailure("needs a positive chunk size")
            }
            let items = try list(input)
            return .list(
                stride(from: 0, to: items.count, by: size).map { .list(Array(items[$0..<min($0 + size, items.count)])) }
            )
        }
    }

    private static func list(_ value: FlowValue) throws(EvaluationFailure) -> [FlowValue] {
        guard case .list(let items) = value else { throw EvaluationFailure("needs a list, not \(value.kindName)") }
        return items
    }

    private static func edge(of value: FlowValue, first: Bool) -> FlowValue {
        switch value {
        case .list(let items): return (first ? items.first : items.last) ?? .null
        case .string(let text): return (first ? text.first : text.last).map { .string(String($0)) } ?? .null
        case .map(let map): return (first ? map.values.first : map.values.last) ?? .null
        default: return value
        }
    }

    private static func slice(_ input: FlowValue, _ arguments: FilterArguments) throws(EvaluationFailure) -> FlowValue {
        let count: Int
        switch input {
        case .list(let items): count = items.count
        case .string(let text): count = text.count
        default: throw EvaluationFailure("needs a list or a string, not \(input.kindName)")
        }
        let from = try arguments.integer(0) ?? 0
        let to = min(try arguments.integer(1) ?? count, count)
        guard from >= 0, from <= to else { throw EvaluationFailure("indexes \(from) to \(to) are out of range") }
        switch input {
        case .list(let items): return .list(Array(items[from..<to]))
        default: return .string(String(input.rendered.dropFirst(from).prefix(to - from)))
        }
    }

    private static func merge(_ input: FlowValue, _ other: FlowValue) throws(EvaluationFailure) -> FlowValue {
        switch (input, other) {
        case (.map(var map), .map(let more)):
            map.merge(more) { _, new in new }
            return .map(map)
        case (.list(let items), .list(let more)): return .list(items + more)
        case (.list(let items), _): return .list(items + [other])
        default: throw EvaluationFailure("cannot merge \(other.kindName) into \(input.kindName)")
        }
    }
}
