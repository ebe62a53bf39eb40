import Foundation

/// A parsed template: text with `{{ expression }}`, `{% tag %}` and `{# comment #}` parts.
///
/// The language is Kestra's flavor of Pebble. Parsing happens once; rendering walks the parsed form.
///
/// - Variables are strict: an undefined variable, missing key or index is an error naming its path, except under
///   `??`, `???`, `is defined`, `is null` (true for undefined) and `default`.
/// - Arithmetic is exact: integers overflow with an error, other numbers are decimals; `/` of two integers is an
///   integer when the division is exact (`10 / 2` is `5`) and the exact decimal quotient otherwise (`10 / 4` is `2.5`).
///   `+` with a string on either side concatenates, as in Pebble.
/// - Conditions (`if`, `and`, `or`, `not`, `? :`) use ``FlowValue/isTruthy``.
/// - Precedence, tightest first: `.` and `[]`, unary `-`, `|`, `* / %`, `+ -`, `~`, `..`, comparisons with
///   `contains` and `in`, `is`, `not`, `and`, `or`, then `? :`, `??` and `???`.
public struct Template: Sendable, Hashable {
    /// The text the template was parsed from.
    public let source: String
    private let nodes: [TemplateNode]
    /// The expression when the whole template is one `{{ expr }}` with only whitespace around it.
    private let singleExpression: Expression?
    private let roots: Set<String>

    /// Parses once; syntax errors, unknown filters/functions/tests and wrong argument counts are reported here.
    public init(_ source: String) throws(ExpressionError) {
        self.source = source
        guard Self.hasTemplateSyntax(source) else {
            nodes = []
            singleExpression = nil
            roots = []
            isConstant = true
            return
        }
        var parser = TemplateParser(tokens: try TemplateLexer.tokenize(source), source: source)
        let nodes = try parser.parseTemplate()
        self.nodes = nodes
        let significant = nodes.filter { node in
            guard case .text(let text) = node else { return true }
            return !text.allSatisfy(\.isWhitespace)
        }
        if significant.count == 1, case .print(let expression) = significant[0] {
            singleExpression = expression
        } else {
            singleExpression = nil
        }
        isConstant = false
        var collector = RootCollector()
        collector.collect(nodes)
        roots = collector.roots
    }

    private static func hasTemplateSyntax(_ source: String) -> Bool {
        var previousWasBrace = false
        for byte in source.utf8 {
            if previousWasBrace, byte == UInt8(ascii: "{") || byte == UInt8(ascii: "%") || byte == UInt8(ascii: "#") {
                return true
            }
            previousWasBrace = byte == UInt8(ascii: "{")
        }
        return false
    }

    /// True when the source has no `{{`, `{%` or `{#` part: rendering returns the source unchanged.
    public let isConstant: Bool

    /// Every variable root referenced (e.g. `["inputs", "outputs"]`), for validation.
    public var referencedRoots: Set<String> { roots }

    /// Renders to text: strings as they are, null as "", maps and lists as compact JSON.
    public func render(_ context: EvaluationContext) throws(ExpressionError) -> String {
        try render(context, depth: 0)
    }

    /// When the whole template is exactly one `{{ expr }}` (whitespace around it allowed), that expression's typed
    /// value (number, bool, map, …); otherwise the rendered string as `.string`.
    public func renderTyped(_ context: EvaluationContext) throws(ExpressionError) -> FlowValue {
        guard let singleExpression else { return .string(try render(context)) }
        let renderer = Renderer(context: context, source: source, depth: 0)
        return try renderer.evaluate(singleExpression)
    }

    /// Renders as a template nested `depth` levels deep in `render()` calls, which is bounded.
    func render(
        _ context: EvaluationContext,
        depth: Int,
        budget: RenderBudget? = nil
    ) throws(ExpressionError) -> String {
        if isConstant { return source }
        var renderer = Renderer(context: context, source: source, depth: depth, budget: budget)
        var output = ""
        try renderer.render(nodes, into: &output)
        return output
    }

    public static func == (lhs: Template, rhs: Template) -> Bool { lhs.source == rhs.source }

    public func hash(into hasher: inout Hasher) { hasher.combine(source) }
}

/// Collects the variable roots a template reads, leaving out loop and `set` variables.
private struct RootCollector {
    var roots: Set<String> = []
    private var bound: [String] = []

    mutating func collect(_ nodes: [TemplateNode]) {
        for node in nodes {
            switch node {
            case .text: break
            case .print(let expression): collect(expression)
            case .conditional(let branches, let otherwise):
                for branch in branches {
                    collect(branch.condition)
                    collect(branch.body)
                }
                collect(otherwise)
            case .loop(let loop):
                collect(loop.sequence)
                let saved = bound
                bound += [loop.valueName, "loop"] + (loop.keyName.map { [$0] } ?? [])
                collect(loop.body)
                bound = saved
                collect(loop.otherwise)
            case .set(let name, let expression):
                collect(expression)
                bound.append(name)
            case .filtered(let calls, let body):
                for call in calls { collect(call.arguments) }
                collect(body)
            }
        }
    }

    private mutating func collect(_ expressions: [Expression?]) {
        for case let expression? in expressions { collect(expression) }
    }

    private mutating func collect(_ expression: Expression) {
        switch expression.kind {
        case .literal: break
        case .variable(let name): if !bound.contains(name) { roots.insert(name) }
        case .attribute(let base, _), .negate(let base), .not(let base), .test(let base, _, _, _): collect(base)
        case .subscripted(let base, let key): collect([base, key])
        case .list(let items): collect(items)
        case .map(let entries):
            for entry in entries { collect([entry.key, entry.value]) }
        case .binary(_, let left, let right, _), .and(let left, let right), .or(let left, let right),
            .coalesce(let left, let right, _):
            collect([left, right])
        case .conditional(let condition, let then, let otherwise): collect([condition, then, otherwise])
        case .filter(let input, let call):
            collect(input)
            collect(call.arguments)
        case .function(let call): collect(call.arguments)
        }
    }
}
