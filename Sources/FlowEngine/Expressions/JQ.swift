import Foundation
import OrderedCollections

/// A small jq interpreter for the `jq` filter: every output of the program, as a list.
enum JQ {
    /// Runs a program on a value; a string input is read as JSON when it is JSON.
    static func run(_ program: String, on input: FlowValue) throws(EvaluationFailure) -> [FlowValue] {
        try run(JQParser.parse(program), on: input)
    }

    /// Runs a parsed program on a value.
    static func run(_ node: JQNode, on input: FlowValue) throws(EvaluationFailure) -> [FlowValue] {
        var value = input
        if case .string(let text) = input, let parsed = try? FlowValue(parsingJSON: text) { value = parsed }
        return try evaluate(node, value)
    }

    static func isTruthy(_ value: FlowValue) -> Bool { value != .null && value != .bool(false) }

    static func evaluate(_ node: JQNode, _ input: FlowValue) throws(EvaluationFailure) -> [FlowValue] {
        switch node {
        case .identity: return [input]
        case .literal(let value): return [value]
        case .field(let base, let name):
            return try evaluate(base, input).map { value throws(EvaluationFailure) in try index(value, .string(name)) }
        case .index(let base, let key):
            var results: [FlowValue] = []
            for value in try evaluate(base, input) {
                for keyValue in try evaluate(key, input) { results.append(try index(value, keyValue)) }
            }
            return results
        case .slice(let base, let from, let to):
            var results: [FlowValue] = []
            for value in try evaluate(base, input) {
                let lower = try from.map { node throws(EvaluationFailure) in try evaluate(node, input).first } ?? nil
                let upper = try to.map { node throws(EvaluationFailure) in try evaluate(node, input).first } ?? nil
                results.append(try slice(value, lower, upper))
            }
            return results
        case .iterate(let base):
            var results: [FlowValue] = []
            for value in try evaluate(base, input) {
                switch value {
                case .list(let items): results += items
                case .map(let map): results += map.values
                default: throw EvaluationFailure("jq: cannot iterate over \(value.kindName)")
                }
            }
            return results
        case .optional(let inner):
            return (try? evaluate(inner, input)) ?? []
        case .array(let inner):
            return [.list(try inner.map { node throws(EvaluationFailure) in try evaluate(node, input) } ?? [])]
        case .object(let entries):
            var objects: [OrderedDictionary<String, FlowValue>] = [[:]]
            for entry in entries {
                var next: [OrderedDictionary<String, FlowValue>] = []
                for object in objects {
                    for key in try evaluate(entry.key, input) {
                        guard case .string(let name) = key else {
                            throw EvaluationFailure("jq: object keys must be strings, not \(key.kindName)")
                        }
                        for value in try evaluate(entry.value, input) {
                            var extended = object
                            extended[name] = value
                            next.append(extended)
                        }
                    }
                }
                objects = next
            }
            return objects.map(FlowValue.map)
        case .pipe(let left, let right):
            var results: [FlowValue] = []
            for value in try evaluate(left, input) { results += try evaluate(right, value) }
            return results
        case .comma(let left, let right):
            return try evaluate(left, input) + evaluate(right, input)
        case .binary(let op, let left, let right):
            var results: [FlowValue] = []
            for rightValue in try evaluate(right, input) {
                for leftValue in try evaluate(left, input) {
                    results.append(try binary(op, leftValue, rightValue))
                }
            }
            return results
        case .and(let left, let right), .or(let left, let right):
            let isAnd: Bool
            if case .and = node { isAnd = true } else { isAnd = false }
            var results: [FlowValue] = []
            for leftValue in try evaluate(left, input) {
                if isTruthy(leftValue) != isAnd {
                    results.append(.bool(!isAnd))
                    continue
                }
                results += try evaluate(right, input).map { .bool(isTruthy($0)) }
            }
            return results
        case .alternative(let left, let right):
            let kept = ((try? evaluate(left, input)) ?? []).filter(isTruthy)
            return kept.isEmpty ? try evaluate(right, input) : kept
        case .negate(let inner):
            return try evaluate(inner, input).map { value throws(EvaluationFailure) in
                try ValueOperations.negate(value)
            }
        case .conditional(let branches, let otherwise):
            return try conditional(branches[...], otherwise: otherwise, input)
        case .call(let name, let arguments):
            return try JQBuiltins.call(name, arguments, input)
        }
    }

    private static func conditional(
        _ branches: ArraySlice<(condition: JQNode, then: JQNode)>,
        otherwise: JQNode?,
        _ input: FlowValue
    ) throws(EvaluationFailure) -> [FlowValue] {
        guard let branch = branches.first else {
            guard let otherwise else { return [input] }
            return try evaluate(otherwise, input)
        }
        var results: [FlowValue] = []
        for condition in try evaluate(branch.condition, input) {
            results +=
                isTruthy(condition)
                ? try evaluate(branch.then, input) : try conditional(branches.dropFirst(), otherwise: otherwise, input)
        }
        return results
    }

    static func index(_ value: FlowValue, _ key: FlowValue) throws(EvaluationFailure) -> FlowValue {
        switch (value, key) {
        case (.null, _): return .null
        case (.map(let map), .string(let name)): return map[name] ?? .null
        case (.list(let items), _):
            guard let position = key.integerValue else {
                throw EvaluationFailure("jq: cannot index a list with \(key.kindName)")
            }
            let resolved = position < 0 ? items.count + position : position
            return items.indices.contains(resolved) ? items[resolved] : .null
        default: throw EvaluationFailure("jq: cannot index \(value.kindName) with \(key.kindName)")
        }
    }

    private static func slice(
        _ value: FlowValue,
        _ from: FlowValue?,
        _ to: FlowValue?
    ) throws(EvaluationFailure) -> FlowValue {
        func bounds(_ count: Int) -> Range<Int> {
            func clamp(_ bound: FlowValue?, _ fallback: Int) -> Int {
                guard let position = bound?.integerValue else { return fallback }
                return min(max(position < 0 ? count + position : position, 0), count)
            }
            let lower = clamp(from, 0)
            return lower..<max(lower, clamp(to, count))
        }
        switch value {
        case .null: return .null
        case .list(let items): return .list(Array(items[bounds(items.count)]))
        case .string(let text):
            let characters = Array(text)
            return .string(String(characters[bounds(characters.count)]))
        default: throw EvaluationFailure("jq: cannot slice \(value.kindName)")
        }
    }

    /// jq's arithmetic: `null` is neutral for `+`, strings and lists concatenate, objects merge.
    static func binary(
        _ op: BinaryOperator,
        _ left: FlowValue,
        _ right: FlowValue
    ) throws(EvaluationFailure) -> FlowValue {
        switch (op, left, right) {
        case (.add, .null, _): return right
        case (.add, _, .null): return left
        case (.add, .string(let a), .string(let b)): return .string(a + b)
        case (.add, .list(let a), .list(let b)): return .list(a + b)
        case (.add, .map(var a), .map(let b)):
            a.merge(b) { _, new in new }
            return .map(a)
        case (.subtract, .list(let a), .list(let b)):
            return .list(a.filter { item in !b.contains { ValueOperations.equal($0, item) } })
        case (.divide, .string(let a), .string(let b)):
            return .list(a.components(separatedBy: b).map(FlowValue.string))
        case (.equal, _, _), (.notEqual, _, _), (.less, _, _), (.lessOrEqual, _, _), (.greater, _, _),
            (.greaterOrEqual, _, _):
            let order = compare(left, right)
            switch op {
            case .equal: return .bool(order == .orderedSame)
            case .notEqual: return .bool(order != .orderedSame)
            case .less: return .bool(order == .orderedAscending)
            case .lessOrEqual: return .bool(order != .orderedDescending)
            case .greater: return .bool(order == .orderedDescending)
            default: return .bool(order != .orderedAscending)
            }
        case (_, .int, _), (_, .decimal, _):
            guard left.decimalValue != nil, right.decimalValue != nil else { break }
            return try ValueOperations.apply(op, left, right)
        default: break
        }
        throw EvaluationFailure("jq: \(left.kindName) and \(right.kindName) cannot be combined with `\(op.rawValue)`")
    }

    /// jq's total order: null < false < true < numbers < strings < arrays < objects.
    static func compare(_ left: FlowValue, _ right: FlowValue) -> ComparisonResult {
        func rank(_ value: FlowValue) -> Int {
            switch value {
            case .null: 0
            case .bool(let flag): flag ? 2 : 1
            case .int, .decimal: 3
            case .string: 4
            case .list: 5
            case .map: 6
            }
        }
        let (leftRank, rightRank) = (rank(left), rank(right))
        guard leftRank == rightRank else { return leftRank < rightRank ? .orderedAscending : .orderedDescending }
        switch (left, right) {
        case (.list(let a), .list(let b)):
            for (x, y) in zip(a, b) {
                let order = compare(x, y)
                if order != .orderedSame { return order }
            }
            return a.count == b.count ? .orderedSame : a.count < b.count ? .orderedAscending : .orderedDescending
        case (.map(let a), .map(let b)):
            let keys = compare(
                .list(a.keys.sorted().map(FlowValue.string)),
                .list(b.keys.sorted().map(FlowValue.string))
            )
            guard keys == .orderedSame else { return keys }
            for key in a.keys.sorted() {
                let order = compare(a[key] ?? .null, b[key] ?? .null)
                if order != .orderedSame { return order }
            }
            return .orderedSame
        default:
            return (try? ValueOperations.compare(left, right)) ?? .orderedSame
        }
    }
}
