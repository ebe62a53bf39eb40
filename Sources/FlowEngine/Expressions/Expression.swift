import Foundation

/// One parsed expression, with where it was written (1-based character offsets into the template source).
struct Expression: Sendable {
    var kind: Kind
    /// Offset of the first character.
    var start: Int
    /// Offset just past the last character.
    var end: Int

    indirect enum Kind: Sendable {
        case literal(FlowValue)
        case variable(String)
        /// `base.name`
        case attribute(Expression, String)
        /// `base[key]`
        case subscripted(Expression, Expression)
        case list([Expression])
        case map([MapEntry])
        case negate(Expression)
        case not(Expression)
        /// A binary operator; the offset is where the operator was written.
        case binary(BinaryOperator, Expression, Expression, operatorOffset: Int)
        case and(Expression, Expression)
        case or(Expression, Expression)
        case conditional(Expression, then: Expression, else: Expression)
        /// `??` (`nullToo`) and `???`.
        case coalesce(Expression, Expression, nullToo: Bool)
        case test(Expression, TestName, negated: Bool, offset: Int)
        case filter(Expression, FilterCall)
        case function(FunctionCall)
    }

    struct MapEntry: Sendable {
        var key: Expression
        var value: Expression
    }
}

/// The operators whose two sides are always evaluated.
enum BinaryOperator: String, Sendable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
    case concatenate = "~"
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case contains = "contains"
    case isIn = "in"
    case range = ".."
}

/// The `is` tests.
enum TestName: String, Sendable, CaseIterable {
    case defined, null, empty, even, odd, iterable, map, json
}

/// A filter application `| name(arguments)`, its arguments bound to the filter's parameters.
struct FilterCall: Sendable {
    var name: FilterName
    /// One slot per parameter of the filter, `nil` where the template gave none.
    var arguments: [Expression?]
    /// Offset of the filter name.
    var offset: Int
    /// The program of a `jq` filter written as a literal, parsed with the template.
    var jqProgram: JQNode?
}

/// A function call `name(arguments)`, its arguments bound to the function's parameters.
struct FunctionCall: Sendable {
    var name: FunctionName
    /// One slot per parameter (all given arguments for variadic functions), `nil` where none was given.
    var arguments: [Expression?]
    /// Offset of the function name.
    var offset: Int
}

/// The parameters a filter or function accepts, for binding positional and named arguments at parse time.
struct Signature: Sendable {
    var parameters: [String]
    var required: Int
    var variadic = false

    init(_ parameters: [String] = [], required: Int = 0, variadic: Bool = false) {
        self.parameters = parameters
        self.required = required
        self.variadic = variadic
    }
}

/// A piece of a parsed template.
indirect enum TemplateNode: Sendable {
    case text(String)
    case print(Expression)
    case conditional([ConditionalBranch], otherwise: [TemplateNode])
    case loop(Loop)
    case set(String, Expression)
    case filtered([FilterCall], body: [TemplateNode])

    struct ConditionalBranch: Sendable {
        var condition: Expression
        var body: [TemplateNode]
    }

    struct Loop: Sendable {
        /// The key variable of `for k, v in …`, `nil` for `for v in …`.
        let keyName: String?
        let valueName: String
        let sequence: Expression
        let body: [TemplateNode]
        let otherwise: [TemplateNode]
        /// What one iteration costs the render budget: a unit, and one per 16 bytes of the literal text its body can
        /// write (prints are charged as they evaluate, nested loops by their own iterations). Worked out once, here,
        /// rather than each time the loop starts.
        let iterationCost: Int

        init(
            keyName: String?,
            valueName: String,
            sequence: Expression,
            body: [TemplateNode],
            otherwise: [TemplateNode]
        ) {
            self.keyName = keyName
            self.valueName = valueName
            self.sequence = sequence
            self.body = body
            self.otherwise = otherwise
            iterationCost = 1 &+ TemplateNode.literalWeight(of: body)
        }
    }

    /// One unit per 16 bytes of the text `nodes` can write, every branch counted, nested loops' bodies left to them.
    static func literalWeight(of nodes: [TemplateNode]) -> Int {
        var weight = 0
        for node in nodes {
            switch node {
            case .text(let text): weight &+= text.utf8.count / 16
            case .conditional(let branches, let otherwise):
                weight &+= literalWeight(of: otherwise)
                for branch in branches { weight &+= literalWeight(of: branch.body) }
            case .loop(let loop): weight &+= literalWeight(of: loop.otherwise)
            case .filtered(_, let body): weight &+= literalWeight(of: body)
            case .print, .set: break
            }
        }
        return weight
    }
}
