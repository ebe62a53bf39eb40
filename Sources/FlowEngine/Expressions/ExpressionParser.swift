import Foundation

/// Parses the tokens of a template into nodes and expressions, binding filter and function arguments.
struct TemplateParser {
    private let tokens: [Token]
    private let source: String
    private var index = 0
    /// How deep expressions nest here (parentheses, arguments, `not`, unary signs): bounded, so hostile text cannot
    /// exhaust the stack of this parser or of what later walks the expression.
    private var depth = 0
    static let maximumDepth = 64

    init(tokens: [Token], source: String) {
        self.tokens = tokens
        self.source = source
    }

    private var current: Token { tokens[index] }

    private func error(_ message: String, at offset: Int) -> ExpressionError {
        ExpressionError(message: message, offset: offset, source: source)
    }

    private func unexpected(_ expected: String) -> ExpressionError {
        let found: String
        switch current.kind {
        case .end: found = "the end of the template"
        case .printClose: found = "`}}`"
        case .tagClose: found = "`%}`"
        case .symbol(let symbol): found = "`\(symbol)`"
        case .name(let name): found = "`\(name)`"
        case .string, .integer, .decimal: found = "a literal"
        case .text, .printOpen, .tagOpen: found = "text"
        }
        return error("expected \(expected), found \(found)", at: current.offset)
    }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }

    private func isName(_ name: String) -> Bool { current.kind == .name(name) }

    private mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func expectSymbol(_ symbol: String) throws(ExpressionError) {
        guard isSymbol(symbol) else { throw error("expected '\(symbol)'", at: current.offset) }
        _ = advance()
    }

    private mutating func expectName() throws(ExpressionError) -> (name: String, token: Token) {
        guard case .name(let name) = current.kind else { throw unexpected("a name") }
        return (name, advance())
    }

    // MARK: - Template structure

    /// The whole template.
    mutating func parseTemplate() throws(ExpressionError) -> [TemplateNode] {
        let (nodes, stop) = try parseNodes(until: [])
        if let stop { throw error("unexpected `{% \(stop.name) %}`", at: stop.offset) }
        return nodes
    }

    /// Nodes up to (not including) a tag named in `terminators`, which is returned with its offset.
    private mutating func parseNodes(
        until terminators: Set<String>
    ) throws(ExpressionError) -> ([TemplateNode], (name: String, offset: Int)?) {
        var nodes: [TemplateNode] = []
        while true {
            switch current.kind {
            case .end:
                return (nodes, nil)
            case .text(let text):
                _ = advance()
                nodes.append(.text(text))
            case .printOpen:
                _ = advance()
                let expression = try parseExpression()
                guard current.kind == .printClose else { throw unexpected("`}}`") }
                _ = advance()
                nodes.append(.print(expression))
            case .tagOpen:
                let open = advance()
                guard case .name(let name) = current.kind else { throw unexpected("a tag name") }
                if terminators.contains(name) {
                    _ = advance()
                    return (nodes, (name, open.offset))
                }
                nodes.append(try parseTag(name, openedAt: open.offset))
            default:
                throw unexpected("text")
            }
        }
    }

    private mutating func expectTagClose() throws(ExpressionError) {
        guard current.kind == .tagClose else { throw unexpected("`%}`") }
        _ = advance()
    }

    private mutating func parseTag(_ name: String, openedAt offset: Int) throws(ExpressionError) -> TemplateNode {
        try nest()
        defer { depth -= 1 }
        let nameToken = advance()
        switch name {
        case "if":
            var branches = [TemplateNode.ConditionalBranch(condition: try parseExpression(), body: [])]
            try expectTagClose()
            while true {
                let (body, stop) = try parseNodes(until: ["elseif", "else", "endif"])
                branches[branches.count - 1].body = body
                guard let stop else { throw error("unclosed `{% if %}`", at: offset) }
                switch stop.name {
                case "elseif":
                    branches.append(.init(condition: try parseExpression(), body: []))
                    try expectTagClose()
                case "else":
                    try expectTagClose()
                    let (otherwise, end) = try parseNodes(until: ["endif"])
                    guard end != nil else { throw error("unclosed `{% if %}`", at: offset) }
                    try expectTagClose()
                    return .conditional(branches, otherwise: otherwise)
                default:
                    try expectTagClose()
                    return .conditional(branches, otherwise: [])
                }
            }
        case "for":
            var (valueName, _) = try expectName()
            var keyName: String?
            if isSymbol(",") {
                _ = advance()
                keyName = valueName
                valueName = try expectName().name
            }
            guard isName("in") else { throw unexpected("`in`") }
            _ = advance()
            let sequence = try parseExpression()
            try expectTagClose()
            let (body, stop) = try parseNodes(until: ["else", "endfor"])
            guard let stop else { throw error("unclosed `{% for %}`", at: offset) }
            try expectTagClose()
            var otherwise: [TemplateNode] = []
            if stop.name == "else" {
                let (elseBody, end) = try parseNodes(until: ["endfor"])
                guard end != nil else { throw error("unclosed `{% for %}`", at: offset) }
                try expectTagClose()
                otherwise = elseBody
            }
            let loop = TemplateNode.Loop(
                keyName: keyName,
                valueName: valueName,
                sequence: sequence,
                body: body,
                otherwise: otherwise
            )
            return .loop(loop)
        case "set":
            let (variable, _) = try expectName()
            try expectSymbol("=")
            let value = try parseExpression()
            try expectTagClose()
            return .set(variable, value)
        case "filter":
            var calls = [try parseFilterCall()]
            while isSymbol("|") {
                _ = advance()
                calls.append(try parseFilterCall())
            }
            try expectTagClose()
            let (body, stop) = try parseNodes(until: ["endfilter"])
            guard stop != nil else { throw error("unclosed `{% filter %}`", at: offset) }
            try expectTagClose()
            return .filtered(calls, body: body)
        case "elseif", "else", "endif", "endfor", "endfilter", "endraw":
            throw error("unexpected `{% \(name) %}`", at: offset)
        default:
            throw error("unknown tag `\(name)`", at: nameToken.offset)
        }
    }

    // MARK: - Expressions, lowest precedence first

    /// A full expression: ternary, `??` and `???` bind loosest.
    mutating func parseExpression() throws(ExpressionError) -> Expression {
        try nest()
        defer { depth -= 1 }
        let condition = try parseOr()
        if isSymbol("?") {
            _ = advance()
            let then = try parseExpression()
            try expectSymbol(":")
            let otherwise = try parseExpression()
            return Expression(
                kind: .conditional(condition, then: then, else: otherwise),
                start: condition.start,
                end: otherwise.end
            )
        }
        if isSymbol("??") || isSymbol("???") {
            let nullToo = isSymbol("??")
            _ = advance()
            let fallback = try parseExpression()
            return Expression(
                kind: .coalesce(condition, fallback, nullToo: nullToo),
                start: condition.start,
                end: fallback.end
            )
        }
        return condition
    }

    private mutating func parseOr() throws(ExpressionError) -> Expression {
        var left = try parseAnd()
        while isName("or") {
            _ = advance()
            let right = try parseAnd()
            left = Expression(kind: .or(left, right), start: left.start, end: right.end)
        }
        return left
    }

    private mutating func parseAnd() throws(ExpressionError) -> Expression {
        var left = try parseNot()
        while isName("and") {
            _ = advance()
            let right = try parseNot()
            left = Expression(kind: .and(left, right), start: left.start, end: right.end)
        }
        return left
    }

    /// Enters one level of nesting; throws past ``maximumDepth``.
    private mutating func nest() throws(ExpressionError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw error("the expression nests more than \(Self.maximumDepth) levels deep", at: current.offset)
        }
    }

    private mutating func parseNot() throws(ExpressionError) -> Expression {
        guard isName("not") else { return try parseTest() }
        try nest()
        defer { depth -= 1 }
        let start = advance().offset
        let operand = try parseNot()
        return Expression(kind: .not(operand), start: start, end: operand.end)
    }

    private mutating func parseTest() throws(ExpressionError) -> Expression {
        var subject = try parseComparison()
        while isName("is") {
            _ = advance()
            var negated = false
            if isName("not") {
                _ = advance()
                negated = true
            }
            let (name, token) = try expectName()
            guard let test = TestName(rawValue: name) else { throw error("unknown test `\(name)`", at: token.offset) }
            subject = Expression(
                kind: .test(subject, test, negated: negated, offset: token.offset),
                start: subject.start,
                end: token.end
            )
        }
        return subject
    }

    private func comparisonOperator() -> BinaryOperator? {
        switch current.kind {
        case .symbol("=="): .equal
        case .symbol("!="): .notEqual
        case .symbol("<"): .less
        case .symbol("<="): .lessOrEqual
        case .symbol(">"): .greater
        case .symbol(">="): .greaterOrEqual
        case .name("equals"): .equal
        case .name("contains"): .contains
        case .name("in"), .name("isIn"): .isIn
        default: nil
        }
    }

    private mutating func parseComparison() throws(ExpressionError) -> Expression {
        var left = try parseRange()
        while let op = comparisonOperator() {
            let offset = advance().offset
            let right = try parseRange()
            left = Expression(kind: .binary(op, left, right, operatorOffset: offset), start: left.start, end: right.end)
        }
        return left
    }

    private mutating func parseRange() throws(ExpressionError) -> Expression {
        let left = try parseConcatenation()
        guard isSymbol("..") else { return left }
        let offset = advance().offset
        let right = try parseConcatenation()
        return Expression(kind: .binary(.range, left, right, operatorOffset: offset), start: left.start, end: right.end)
    }

    private mutating func parseConcatenation() throws(ExpressionError) -> Expression {
        try parseBinary(operators: ["~": .concatenate]) { parser throws(ExpressionError) in try parser.parseAdditive() }
    }

    private mutating func parseAdditive() throws(ExpressionError) -> Expression {
        try parseBinary(operators: ["+": .add, "-": .subtract]) { parser throws(ExpressionError) in
            try parser.parseMultiplicative()
        }
    }

    private mutating func parseMultiplicative() throws(ExpressionError) -> Expression {
        try parseBinary(operators: ["*": .multiply, "/": .divide, "%": .remainder]) { parser throws(ExpressionError) in
            try parser.parseFiltered()
        }
    }

    private mutating func parseBinary(
        operators: [String: BinaryOperator],
        operand: (inout TemplateParser) throws(ExpressionError) -> Expression
    ) throws(ExpressionError) -> Expression {
        var left = try operand(&self)
        while case .symbol(let symbol) = current.kind, let op = operators[symbol] {
            let offset = advance().offset
            let right = try operand(&self)
            left = Expression(kind: .binary(op, left, right, operatorOffset: offset), start: left.start, end: right.end)
        }
        return left
    }

    private mutating func parseUnary() throws(ExpressionError) -> Expression {
        try nest()
        defer { depth -= 1 }
        if isSymbol("-") {
            let start = advance().offset
            let operand = try parseUnary()
            return Expression(kind: .negate(operand), start: start, end: operand.end)
        }
        if isSymbol("+") {
            _ = advance()
            return try parseUnary()
        }
        return try parsePostfix()
    }

    /// Filters apply to a unary expression, as in Pebble: `-3 | abs` is 3.
    private mutating func parseFiltered() throws(ExpressionError) -> Expression {
        var value = try parseUnary()
        while isSymbol("|") {
            _ = advance()
            let call = try parseFilterCall()
            value = Expression(kind: .filter(value, call), start: value.start, end: tokens[index - 1].end)
        }
        return value
    }

    private mutating func parseFilterCall() throws(ExpressionError) -> FilterCall {
        let (name, token) = try expectName()
        guard let filter = FilterName(rawValue: name) else {
            throw error("unknown filter `\(name)`", at: token.offset)
        }
        let arguments = try parseArguments(for: filter.signature, kind: "filter", name: name, offset: token.offset)
        var call = FilterCall(name: filter, arguments: arguments, offset: token.offset)
        if filter == .jq, let program = arguments[0], case .literal(.string(let text)) = program.kind {
            do {
                call.jqProgram = try JQParser.parse(text)
            } catch {
                throw self.error("filter `jq`: \(error.message)", at: program.start)
            }
        }
        return call
    }

    private mutating func parsePostfix() throws(ExpressionError) -> Expression {
        var value = try parsePrimary()
        while true {
            if isSymbol(".") {
                _ = advance()
                let name: String
                let token: Token
                switch current.kind {
                case .name(let text): name = text
                case .integer(let number): name = String(number)
                default: throw unexpected("an attribute name")
                }
                token = advance()
                if isSymbol("(") { throw error("method calls are not supported", at: token.offset) }
                value = Expression(kind: .attribute(value, name), start: value.start, end: token.end)
            } else if isSymbol("[") {
                _ = advance()
                let key = try parseExpression()
                guard isSymbol("]") else { throw error("expected ']'", at: current.offset) }
                let close = advance()
                value = Expression(kind: .subscripted(value, key), start: value.start, end: close.end)
            } else {
                return value
            }
        }
    }

    private mutating func parsePrimary() throws(ExpressionError) -> Expression {
        let token = current
        switch token.kind {
        case .integer(let value):
            _ = advance()
            return Expression(kind: .literal(.int(value)), start: token.offset, end: token.end)
        case .decimal(let value):
            _ = advance()
            return Expression(kind: .literal(.decimal(value)), start: token.offset, end: token.end)
        case .string(let value):
            _ = advance()
            return Expression(kind: .literal(.string(value)), start: token.offset, end: token.end)
        case .name(let name):
            _ = advance()
            switch name {
            case "true", "True", "TRUE": return Expression(kind: .literal(true), start: token.offset, end: token.end)
            case "false", "False", "FALSE":
                return Expression(kind: .literal(false), start: token.offset, end: token.end)
            case "null", "none", "None", "NULL":
                return Expression(kind: .literal(.null), start: token.offset, end: token.end)
            default: break
            }
            guard isSymbol("(") else { return Expression(kind: .variable(name), start: token.offset, end: token.end) }
            guard let function = FunctionName(rawValue: name) else {
                throw error("unknown function `\(name)`", at: token.offset)
            }
            let arguments = try parseArguments(
                for: function.signature,
                kind: "function",
                name: name,
                offset: token.offset
            )
            let call = FunctionCall(name: function, arguments: arguments, offset: token.offset)
            return Expression(kind: .function(call), start: token.offset, end: tokens[index - 1].end)
        case .symbol("("):
            _ = advance()
            var inner = try parseExpression()
            guard isSymbol(")") else { throw error("expected ')'", at: current.offset) }
            inner.start = token.offset
            inner.end = advance().end
            return inner
        case .symbol("["):
            _ = advance()
            var items: [Expression] = []
            while !isSymbol("]") {
                items.append(try parseExpression())
                guard isSymbol(",") else { break }
                _ = advance()
            }
            guard isSymbol("]") else { throw error("expected ']'", at: current.offset) }
            return Expression(kind: .list(items), start: token.offset, end: advance().end)
        case .symbol("{"):
            _ = advance()
            var entries: [Expression.MapEntry] = []
            while !isSymbol("}") {
                let key = try parseExpression()
                try expectSymbol(":")
                entries.append(.init(key: key, value: try parseExpression()))
                guard isSymbol(",") else { break }
                _ = advance()
            }
            guard isSymbol("}") else { throw error("expected '}'", at: current.offset) }
            return Expression(kind: .map(entries), start: token.offset, end: advance().end)
        default:
            throw unexpected("an expression")
        }
    }

    /// `(a, name=b)` bound to the parameters of a signature; no parentheses means no arguments.
    private mutating func parseArguments(
        for signature: Signature,
        kind: String,
        name: String,
        offset: Int
    ) throws(ExpressionError) -> [Expression?] {
        var bound = [Expression?](repeating: nil, count: signature.parameters.count)
        var positional: [Expression] = []
        if isSymbol("(") {
            _ = advance()
            while !isSymbol(")") {
                if case .name(let parameter) = current.kind, tokens[index + 1].kind == .symbol("=") {
                    let nameToken = advance()
                    _ = advance()
                    guard let slot = signature.parameters.firstIndex(of: parameter), !signature.variadic else {
                        throw error("unknown argument `\(parameter)` of \(kind) `\(name)`", at: nameToken.offset)
                    }
                    bound[slot] = try parseExpression()
                } else {
                    let argument = try parseExpression()
                    if signature.variadic {
                        positional.append(argument)
                    } else {
                        guard positional.count < signature.parameters.count else {
                            throw error(
                                "\(kind) `\(name)` takes at most \(signature.parameters.count) argument(s)",
                                at: argument.start
                            )
                        }
                        bound[positional.count] = argument
                        positional.append(argument)
                    }
                }
                guard isSymbol(",") else { break }
                _ = advance()
            }
            guard isSymbol(")") else { throw error("expected ')'", at: current.offset) }
            _ = advance()
        }
        if signature.variadic {
            guard positional.count >= signature.required else {
                throw error("\(kind) `\(name)` needs at least \(signature.required) argument(s)", at: offset)
            }
            return positional
        }
        if let missing = bound.prefix(signature.required).firstIndex(where: { $0 == nil }) {
            throw error("\(kind) `\(name)` needs argument `\(signature.parameters[missing])`", at: offset)
        }
        return bound
    }
}
