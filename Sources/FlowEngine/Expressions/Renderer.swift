import Foundation
import OrderedCollections

/// Renders parsed nodes and evaluates expressions against a context, with strict variables.
struct Renderer {
    /// How deeply `render()` may nest templates inside templates.
    static let maximumDepth = 100

    let context: EvaluationContext
    let source: String
    let depth: Int
    /// Shared with the renders this one starts through `render()`.
    let budget: RenderBudget
    /// Variables of `{% for %}` and `{% set %}`, innermost scope last.
    private var scopes: [Scope] = []
    /// Loop iterations run so far.
    private var iterations = 0

    init(context: EvaluationContext, source: String, depth: Int, budget: RenderBudget? = nil) {
        self.context = context
        self.source = source
        self.depth = depth
        self.budget = budget ?? RenderBudget(limit: context.renderLimits.work)
    }

    /// The error of a render past its budget (``RenderBudget``), reported at the step that passed it.
    func overBudget(at offset: Int) -> ExpressionError {
        error(
            "the template does more work than a render may (\(budget.limit) units: loop iterations and the "
                + "items it reads): loop over less or read smaller lists",
            at: offset
        )
    }

    func error(_ message: String, at offset: Int) -> ExpressionError {
        ExpressionError(message: message, offset: offset, source: source)
    }

    // MARK: - Nodes

    mutating func render(_ nodes: [TemplateNode], into output: inout String) throws(ExpressionError) {
        for node in nodes {
            switch node {
            case .text(let text):
                output += text
            case .print(let expression):
                let value = try evaluate(expression)
                guard budget.spend(reading: value) else { throw overBudget(at: expression.start) }
                switch value {
                case .string(let text): output += text
                case let value: output += value.rendered
                }
            case .conditional(let branches, let otherwise):
                var body = otherwise
                for branch in branches where try evaluate(branch.condition).isTruthy {
                    body = branch.body
                    break
                }
                try render(body, into: &output)
            case .loop(let loop):
                try render(loop, into: &output)
            case .set(let name, let expression):
                let value = try evaluate(expression)
                if scopes.isEmpty { scopes.append(Scope()) }
                scopes[scopes.count - 1].variables[name] = value
            case .filtered(let calls, let body):
                var text = ""
                try render(body, into: &text)
                var value = FlowValue.string(text)
                for call in calls { value = try apply(call, to: value) }
                output += value.rendered
            }
        }
    }

    private mutating func render(_ loop: TemplateNode.Loop, into output: inout String) throws(ExpressionError) {
        let items: [(key: FlowValue, value: FlowValue)]
        switch try evaluate(loop.sequence) {
        case .list(let values):
            items = values.enumerated().map { (FlowValue.int($0.offset), $0.element) }
        case .map(let map):
            items = map.map { key, value in
                (FlowValue.string(key), loop.keyName == nil ? ["key": .string(key), "value": value] : value)
            }
        case .null:
            items = []
        case let other:
            throw error("cannot iterate over \(other.kindName)", at: loop.sequence.start)
        }
        guard !items.isEmpty else {
            try render(loop.otherwise, into: &output)
            return
        }
        scopes.append(Scope())
        defer { scopes.removeLast() }
        for (index, item) in items.enumerated() {
            iterations += 1
            guard iterations <= context.renderLimits.iterations else {
                throw error(
                    "the template's loops run more than \(context.renderLimits.iterations) times in all: loop over less",
                    at: loop.sequence.start
                )
            }
            guard budget.spend(loop.iterationCost) else { throw overBudget(at: loop.sequence.start) }
            // One scope, emptied in place each iteration: `set` in a body lasts one iteration, and a long loop
            // allocates no dictionary per iteration.
            scopes[scopes.count - 1].startIteration(index, of: items.count)
            scopes[scopes.count - 1].variables[loop.valueName] = item.value
            if let keyName = loop.keyName { scopes[scopes.count - 1].variables[keyName] = item.key }
            try render(loop.body, into: &output)
        }
    }

    // MARK: - Expressions

    /// The value of an expression; undefined variables are errors.
    func evaluate(_ expression: Expression) throws(ExpressionError) -> FlowValue {
        switch expression.kind {
        case .literal(let value):
            return value
        case .variable, .attribute, .subscripted, .filter:
            if let value = try resolve(expression) { return value }
            throw undefinedError(expression)
        case .list(let items):
            var values: [FlowValue] = []
            values.reserveCapacity(items.count)
            for item in items { values.append(try evaluate(item)) }
            return .list(values)
        case .map(let entries):
            var map = OrderedDictionary<String, FlowValue>()
            for entry in entries {
                map[try evaluate(entry.key).rendered] = try evaluate(entry.value)
            }
            return .map(map)
        case .negate(let operand):
            let value = try evaluate(operand)
            do { return try ValueOperations.negate(value) } catch {
                throw self.error(error.message, at: expression.start)
            }
        case .not(let operand):
            return .bool(!(try evaluate(operand).isTruthy))
        case .binary(let op, let left, let right, let offset):
            if op == .isIn, case .binary(.range, let low, let high, let rangeOffset) = right.kind {
                let item = try evaluate(left)
                let (lower, upper) = (try evaluate(low), try evaluate(high))
                guard budget.spend(reading: item) else { throw overBudget(at: offset) }
                if let member = Self.membership(of: item, from: lower, to: upper) { return .bool(member) }
                do {
                    let range = try ValueOperations.range(from: lower, to: upper, step: .int(1))
                    return .bool(ValueOperations.contains(range, item))
                } catch {
                    throw self.error(error.message, at: rangeOffset)
                }
            }
            let leftValue = try evaluate(left)
            let rightValue = try evaluate(right)
            guard budget.spend(Self.cost(of: op, leftValue, rightValue, limit: budget.limit)) else {
                throw overBudget(at: offset)
            }
            let result: FlowValue
            do {
                result = try ValueOperations.apply(op, leftValue, rightValue)
            } catch {
                throw self.error(error.message, at: offset)
            }
            guard budget.spend(reading: result) else { throw overBudget(at: offset) }
            return result
        case .and(let left, let right):
            guard try evaluate(left).isTruthy else { return false }
            return .bool(try evaluate(right).isTruthy)
        case .or(let left, let right):
            if try evaluate(left).isTruthy { return true }
            return .bool(try evaluate(right).isTruthy)
        case .conditional(let condition, let then, let otherwise):
            return try evaluate(evaluate(condition).isTruthy ? then : otherwise)
        case .coalesce(let left, let right, let nullToo):
            let value = try resolve(left)
            if let value, !(nullToo && value == .null) { return value }
            return try evaluate(right)
        case .test(let subject, let test, let negated, let offset):
            return .bool(try self.test(test, subject, offset: offset) != negated)
        case .function(let call):
            let result = try Functions.call(call, renderer: self)
            guard budget.spend(reading: result) else { throw overBudget(at: expression.start) }
            return result
        }
    }

    /// What applying `op` reads, charged before it runs: both operands, and for a list sought in a list (each of
    /// its items compared with each of the other's) their product.
    private static func cost(of op: BinaryOperator, _ left: FlowValue, _ right: FlowValue, limit: Int) -> Int {
        let limit = limit &+ 1
        let (leftWeight, rightWeight) = (left.weight(upTo: limit), right.weight(upTo: limit))
        let (container, item) = op == .isIn ? (right, left) : (left, right)
        if op == .isIn || op == .contains, case .list = container, case .list = item {
            return leftWeight.multipliedReportingOverflow(by: rightWeight).overflow
                ? .max : leftWeight * rightWeight
        }
        return leftWeight + rightWeight
    }

    /// Whether a number is in `lower..upper`, by the bounds rather than by building the range and scanning it (a
    /// range may hold a million numbers); `nil` where the general path decides (not a number, bounds that are not
    /// integers, a range too long, whose error it reports).
    private static func membership(of item: FlowValue, from lower: FlowValue, to upper: FlowValue) -> Bool? {
        guard case .int(let low) = lower, case .int(let high) = upper else { return nil }
        // A list is in the range when each of its items is (`[2, 3] in 1..5`).
        let items: [FlowValue]
        if case .list(let list) = item { items = list } else { items = [item] }
        let span = high.subtractingReportingOverflow(low)
        guard low > high || (!span.overflow && span.partialValue < ValueOperations.maximumRangeCount) else {
            return nil
        }
        var member = true
        for item in items {
            // Equal to one of the integers `low...high`, with numeric widening (`3.0 in 1..5`); integers compared
            // as integers, the common case and a cheap one.
            if case .int(let number) = item {
                member = member && low <= number && number <= high
            } else if let number = item.decimalValue {
                member =
                    member && low <= high && DecimalRounding.round(number, scale: 0, mode: .down) == number
                    && number >= Decimal(low) && number <= Decimal(high)
            } else {
                return nil
            }
        }
        // An empty range holds nothing (yet every item of an empty list, as the general path has it).
        return member
    }

    /// The value of an expression, or `nil` when it names something undefined (a missing variable, key or index).
    func resolve(_ expression: Expression) throws(ExpressionError) -> FlowValue? {
        switch expression.kind {
        case .variable(let name):
            for scope in scopes.reversed() {
                if let value = scope.value(of: name) { return value }
            }
            return context.variable(name)
        case .attribute(let base, let name):
            guard let container = try resolve(base) else { return nil }
            return Self.member(of: container, key: .string(name))
        case .subscripted(let base, let key):
            guard let container = try resolve(base) else { return nil }
            return Self.member(of: container, key: try evaluate(key))
        case .filter(let input, let call):
            let value = try resolve(input)
            if call.name == .default {
                let fallback = try argument(call.arguments, 0) ?? .null
                guard let value, !Filters.isEmpty(value) else { return fallback }
                return value
            }
            guard let value else { return nil }
            return try apply(call, to: value)
        default:
            return try evaluate(expression)
        }
    }

    /// The value under a map key or list index; `nil` when there is none.
    static func member(of container: FlowValue, key: FlowValue) -> FlowValue? {
        // Written without `? :` so that a missing index cannot become FlowValue's own nil literal, `.null`.
        switch (container, key) {
        case (.map(let map), .string(let name)): return map[name]
        case (.map(let map), .int(let index)): return map[String(index)]
        case (.list(let items), .int(let index)): return element(of: items, at: index)
        case (.list(let items), .string(let name)): return Int(name).flatMap { element(of: items, at: $0) }
        default: return nil
        }
    }

    private static func element(of items: [FlowValue], at index: Int) -> FlowValue? {
        guard items.indices.contains(index) else { return nil }
        return items[index]
    }

    func argument(_ arguments: [Expression?], _ index: Int) throws(ExpressionError) -> FlowValue? {
        guard index < arguments.count, let expression = arguments[index] else { return nil }
        return try evaluate(expression)
    }

    func apply(_ call: FilterCall, to value: FlowValue) throws(ExpressionError) -> FlowValue {
        var arguments: [FlowValue?] = []
        arguments.reserveCapacity(call.arguments.count)
        for index in call.arguments.indices { arguments.append(try argument(call.arguments, index)) }
        guard budget.spend(reading: value) else { throw overBudget(at: call.offset) }
        let result: FlowValue
        do {
            if let program = call.jqProgram {
                result = .list(try JQ.run(program, on: value))
            } else {
                let arguments = FilterArguments(arguments)
                result = try Filters.apply(call.name, to: value, arguments: arguments, context: context)
            }
        } catch {
            throw self.error("filter `\(call.name.rawValue)`: \(error.message)", at: call.offset)
        }
        guard budget.spend(reading: result) else { throw overBudget(at: call.offset) }
        return result
    }

    private func test(_ test: TestName, _ subject: Expression, offset: Int) throws(ExpressionError) -> Bool {
        switch test {
        case .defined: return try resolve(subject) != nil
        case .null: return (try resolve(subject) ?? .null) == .null
        default: break
        }
        let value = try evaluate(subject)
        switch test {
        case .empty: return Filters.isEmpty(value)
        case .even, .odd:
            guard let number = value.integerValue else {
                throw error("test `\(test.rawValue)` needs an integer, not \(value.kindName)", at: offset)
            }
            return number.isMultiple(of: 2) == (test == .even)
        case .iterable:
            if case .list = value { return true }
            if case .map = value { return true }
            return false
        case .map:
            if case .map = value { return true }
            return false
        default:
            guard case .string(let text) = value, let parsed = try? FlowValue(parsingJSON: text) else { return false }
            switch parsed {
            case .map, .list: return true
            default: return false
            }
        }
    }

    // MARK: - Undefined paths

    /// The error for an expression that resolved to nothing, naming the path up to the first missing part.
    private func undefinedError(_ expression: Expression) -> ExpressionError {
        error("undefined variable `\(undefinedPath(expression))`", at: expression.start)
    }

    private func undefinedPath(_ expression: Expression) -> String {
        switch expression.kind {
        case .attribute(let base, let name):
            guard isDefined(base) else { return undefinedPath(base) }
            let isIdentifier = name.first.map { $0.isLetter || $0 == "_" } ?? false
            return text(of: base) + (isIdentifier ? ".\(name)" : "['\(name)']")
        case .subscripted(let base, let key):
            guard isDefined(base) else { return undefinedPath(base) }
            switch try? evaluate(key) {
            case .string(let name): return text(of: base) + "['\(name)']"
            case let value?: return text(of: base) + "[\(value.rendered)]"
            case nil: return text(of: expression)
            }
        case .filter(let input, _):
            return undefinedPath(input)
        default:
            return text(of: expression)
        }
    }

    private func isDefined(_ expression: Expression) -> Bool {
        do {
            return try resolve(expression) != nil
        } catch {
            return false
        }
    }

    /// The source text of an expression.
    func text(of expression: Expression) -> String {
        let lower = max(0, expression.start - 1)
        let upper = max(lower, expression.end - 1)
        return String(source.dropFirst(lower).prefix(upper - lower))
    }

    /// The context with the loop and `set` variables in scope, for templates rendered by `render()`.
    var contextWithScopes: EvaluationContext {
        var merged = context
        for scope in scopes {
            merged.variables.merge(scope.allVariables) { _, local in local }
        }
        return merged
    }
}

extension Renderer {
    /// The variables of one `{% for %}` iteration or of the top level's `{% set %}`s. A loop's `loop` map is built
    /// only when a template reads it.
    struct Scope {
        var variables: [String: FlowValue] = [:]
        /// The iteration's index and the loop's length, for `loop`.
        private var iteration: (index: Int, length: Int)?

        /// Empties the scope, keeping its storage, for iteration `index` of `length`.
        mutating func startIteration(_ index: Int, of length: Int) {
            variables.removeAll(keepingCapacity: true)
            iteration = (index, length)
        }

        /// The variable `name`, or `nil` when the scope does not define it.
        func value(of name: String) -> FlowValue? {
            if let value = variables[name] { return value }
            guard name == "loop", let (index, length) = iteration else { return nil }
            return [
                "index": .int(index), "length": .int(length), "first": .bool(index == 0),
                "last": .bool(index == length - 1), "revindex": .int(length - index - 1),
            ]
        }

        /// Every variable of the scope, `loop` included.
        var allVariables: [String: FlowValue] {
            var all = variables
            if all["loop"] == nil, let loop = value(of: "loop") { all["loop"] = loop }
            return all
        }
    }
}
