import Foundation
import OrderedCollections

/// The functions a template may call.
enum FunctionName: String, Sendable, CaseIterable {
    case now, fromJson, json, range, max, min, render, renderOnce, currentEachOutput, errorLogs, uuid, randomInt
    case printContext, fetchContext

    var signature: Signature {
        switch self {
        case .now: Signature(DateArguments.parameters)
        case .fromJson, .json: Signature(["json"], required: 1)
        case .range: Signature(["start", "end", "step"], required: 2)
        case .max, .min: Signature(required: 1, variadic: true)
        case .render: Signature(["toRender", "recursive"], required: 1)
        case .renderOnce: Signature(["toRender"], required: 1)
        case .currentEachOutput: Signature(["outputs"], required: 1)
        case .randomInt: Signature(["lower", "upper"], required: 2)
        case .errorLogs, .uuid, .printContext, .fetchContext: Signature()
        }
    }
}

/// The implementation of every function.
enum Functions {
    /// How many times `render()` re-renders its own output before giving up.
    static let maximumPasses = 100

    static func call(_ call: FunctionCall, renderer: Renderer) throws(ExpressionError) -> FlowValue {
        var values: [FlowValue?] = []
        values.reserveCapacity(call.arguments.count)
        for index in call.arguments.indices { values.append(try renderer.argument(call.arguments, index)) }
        let arguments = FilterArguments(values)
        do {
            switch call.name {
            case .render, .renderOnce:
                let recursive = call.name == .render && (arguments.bool(1) ?? true)
                return try render(arguments[0] ?? .null, recursive: recursive, renderer: renderer)
            case .printContext, .fetchContext:
                return try evaluate(call.name, arguments, context: renderer.contextWithScopes)
            default:
                return try evaluate(call.name, arguments, context: renderer.context)
            }
        } catch let failure as EvaluationFailure {
            throw renderer.error("function `\(call.name.rawValue)`: \(failure.message)", at: call.offset)
        } catch let nested as ExpressionError {
            // An error from a nested render() already names its template; keep it rather than nesting descriptions.
            let isNested = nested.message.hasPrefix("function `render")
            let message = isNested ? nested.message : "function `\(call.name.rawValue)`: \(nested.description)"
            throw renderer.error(message, at: call.offset)
        } catch {
            throw renderer.error("function `\(call.name.rawValue)`: \(error)", at: call.offset)
        }
    }

    private static func evaluate(
        _ name: FunctionName,
        _ arguments: FilterArguments,
        context: EvaluationContext
    ) throws(EvaluationFailure) -> FlowValue {
        switch name {
        case .now:
            let dateArguments = try DateArguments(arguments, from: 0, context: context)
            let now = ZonedDateTime(date: context.now, zone: dateArguments.zone)
            return .string(try DateFormat.format(now, as: dateArguments.format))
        case .fromJson, .json:
            guard let value = arguments[0] else { return .null }
            guard case .string(let text) = value else { return value }
            do {
                return try FlowValue(parsingJSON: text)
            } catch {
                throw EvaluationFailure(error.description)
            }
        case .range:
            return try ValueOperations.range(
                from: arguments[0] ?? .null,
                to: arguments[1] ?? .null,
                step: arguments[2] ?? .int(1)
            )
        case .max, .min: return try extreme(arguments, largest: name == .max)
        case .currentEachOutput: return try currentEachOutput(arguments[0] ?? .null, loopValues: context.loopValues)
        case .errorLogs: return .list(context.errorLogs)
        case .uuid: return .string(UUID().uuidString.lowercased())
        case .randomInt:
            guard let lower = try arguments.integer(0), let upper = try arguments.integer(1), lower < upper else {
                throw EvaluationFailure("needs integers lower < upper")
            }
            return .int(Int.random(in: lower..<upper))
        case .printContext, .fetchContext:
            let sorted = context.allVariables.sorted { $0.key < $1.key }
            return .map(OrderedDictionary(uniqueKeysWithValues: sorted.map { ($0.key, $0.value) }))
        case .render, .renderOnce:
            return .null
        }
    }

    private static func extreme(_ arguments: FilterArguments, largest: Bool) throws(EvaluationFailure) -> FlowValue {
        var candidates: [FlowValue] = (0..<arguments.count).compactMap { arguments[$0] }
        if candidates.count == 1, case .list(let items) = candidates[0] { candidates = items }
        guard var best = candidates.first else { return .null }
        for candidate in candidates.dropFirst() {
            let order = try ValueOperations.compare(candidate, best)
            if order == (largest ? .orderedDescending : .orderedAscending) { best = candidate }
        }
        return best
    }

    /// The entry of a loop task's outputs for the current iteration: `outputs[v1][v2]…` for the loop values.
    private static func currentEachOutput(
        _ outputs: FlowValue,
        loopValues: [String]
    ) throws(EvaluationFailure) -> FlowValue {
        var value = outputs
        for loopValue in loopValues {
            guard case .map(let map) = value else { break }
            guard let next = map[loopValue] else {
                throw EvaluationFailure("no output for the loop value `\(loopValue)`")
            }
            value = next
        }
        return value
    }

    /// Renders text as a template with the caller's variables, again and again while it changes when `recursive`.
    private static func render(_ value: FlowValue, recursive: Bool, renderer: Renderer) throws -> FlowValue {
        guard case .string(var text) = value else { return value }
        guard renderer.depth < Renderer.maximumDepth else {
            throw EvaluationFailure("templates nested more than \(Renderer.maximumDepth) levels deep")
        }
        let context = renderer.contextWithScopes
        for _ in 0..<maximumPasses {
            let rendered = try Template(text).render(context, depth: renderer.depth + 1, budget: renderer.budget)
            if !recursive || rendered == text { return .string(rendered) }
            text = rendered
        }
        throw EvaluationFailure("rendering did not settle after \(maximumPasses) passes")
    }
}
