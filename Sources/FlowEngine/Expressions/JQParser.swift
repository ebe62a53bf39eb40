import Foundation

/// A parsed jq program (the subset the `jq` filter supports).
indirect enum JQNode: Sendable {
    case identity
    case field(JQNode, String)
    case index(JQNode, JQNode)
    case slice(JQNode, from: JQNode?, to: JQNode?)
    case iterate(JQNode)
    /// `f?`: errors of `f` produce no output.
    case optional(JQNode)
    case literal(FlowValue)
    case array(JQNode?)
    case object([ObjectEntry])
    case pipe(JQNode, JQNode)
    case comma(JQNode, JQNode)
    case binary(BinaryOperator, JQNode, JQNode)
    case and(JQNode, JQNode)
    case or(JQNode, JQNode)
    /// `a // b`
    case alternative(JQNode, JQNode)
    case negate(JQNode)
    case call(String, [JQNode])
    case conditional([(condition: JQNode, then: JQNode)], otherwise: JQNode?)

    struct ObjectEntry: Sendable {
        var key: JQNode
        var value: JQNode
    }
}

/// Reads jq programs.
struct JQParser {
    private enum Token: Equatable {
        case symbol(String)
        case name(String)
        case string(String)
        case number(FlowValue)
        case end
    }

    private var tokens: [Token] = []
    private var index = 0
    /// How deep the program nests (brackets, parentheses, pipes): bounded, so hostile text cannot exhaust the stack.
    private var depth = 0
    static let maximumDepth = 64

    private mutating func nest() throws(EvaluationFailure) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw EvaluationFailure("jq: the program nests more than \(Self.maximumDepth) levels deep")
        }
    }

    static func parse(_ program: String) throws(EvaluationFailure) -> JQNode {
        var parser = JQParser()
        try parser.tokenize(Array(program))
        let node = try parser.parsePipe()
        guard parser.current == .end else {
            throw EvaluationFailure("jq: unexpected \(parser.current) in `\(program)`")
        }
        return node
    }

    private var current: Token { tokens[index] }

    private mutating func advance() -> Token {
        defer { if index < tokens.count - 1 { index += 1 } }
        return tokens[index]
    }

    private mutating func take(_ symbol: String) -> Bool {
        guard current == .symbol(symbol) else { return false }
        index += 1
        return true
    }

    private mutating func expect(_ symbol: String) throws(EvaluationFailure) {
        guard take(symbol) else { throw EvaluationFailure("jq: expected `\(symbol)`") }
    }

    private mutating func tokenize(_ chars: [Character]) throws(EvaluationFailure) {
        let symbols = [
            "//", "==", "!=", "<=", ">=", ".", "[", "]", "{", "}", "(", ")", "|", ",", ":", ";", "?", "<", ">",
            "+", "-", "*", "/", "%",
        ]
        var position = 0
        while position < chars.count {
            let character = chars[position]
            if character.isWhitespace {
                position += 1
            } else if character == "\"" {
                var text = "\""
                position += 1
                while position < chars.count, chars[position] != "\"" {
                    if chars[position] == "\\", position + 1 < chars.count {
                        text.append(chars[position])
                        position += 1
                    }
                    text.append(chars[position])
                    position += 1
                }
                guard position < chars.count else { throw EvaluationFailure("jq: unterminated string") }
                position += 1
                guard case .string(let value) = try? FlowValue(parsingJSON: text + "\"") else {
                    throw EvaluationFailure("jq: invalid string \(text)\"")
                }
                tokens.append(.string(value))
            } else if character.isASCII, character.isNumber {
                let start = position
                while position < chars.count, chars[position].isASCII,
                    chars[position].isNumber || chars[position] == "."
                {
                    position += 1
                }
                guard let number = try? FlowValue(parsingJSON: String(chars[start..<position])) else {
                    throw EvaluationFailure("jq: invalid number")
                }
                tokens.append(.number(number))
            } else if character.isLetter || character == "_" || character == "$" {
                let start = position
                position += 1
                while position < chars.count,
                    chars[position].isLetter || chars[position].isNumber || chars[position] == "_"
                {
                    position += 1
                }
                tokens.append(.name(String(chars[start..<position])))
            } else if let symbol = symbols.first(where: { chars[position...].starts(with: $0) }) {
                tokens.append(.symbol(symbol))
                position += symbol.count
            } else {
                throw EvaluationFailure("jq: unexpected character `\(character)`")
            }
        }
        tokens.append(.end)
    }

    private mutating func parsePipe() throws(EvaluationFailure) -> JQNode {
        try nest()
        defer { depth -= 1 }
        let left = try parseComma()
        return take("|") ? .pipe(left, try parsePipe()) : left
    }

    private mutating func parseComma() throws(EvaluationFailure) -> JQNode {
        var left = try parseAlternative()
        while take(",") { left = .comma(left, try parseAlternative()) }
        return left
    }

    private mutating func parseAlternative() throws(EvaluationFailure) -> JQNode {
        let left = try parseOr()
        return take("//") ? .alternative(left, try parseAlternative()) : left
    }

    private mutating func parseOr() throws(EvaluationFailure) -> JQNode {
        var left = try parseAnd()
        while current == .name("or") {
            index += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(EvaluationFailure) -> JQNode {
        var left = try parseComparison()
        while current == .name("and") {
            index += 1
            left = .and(left, try parseComparison())
        }
        return left
    }

    private mutating func parseComparison() throws(EvaluationFailure) -> JQNode {
        let left = try parseAdditive()
        let operators: [String: BinaryOperator] = [
            "==": .equal, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual,
        ]
        guard case .symbol(let symbol) = current, let op = operators[symbol] else { return left }
        index += 1
        return .binary(op, left, try parseAdditive())
    }

    private mutating func parseAdditive() throws(EvaluationFailure) -> JQNode {
        var left = try parseMultiplicative()
        while case .symbol(let symbol) = current, symbol == "+" || symbol == "-" {
            index += 1
            left = .binary(symbol == "+" ? .add : .subtract, left, try parseMultiplicative())
        }
        return left
    }

    private mutating func parseMultiplicative() throws(EvaluationFailure) -> JQNode {
        var left = try parseUnary()
        while case .symbol(let symbol) = current, ["*", "/", "%"].contains(symbol) {
            index += 1
            let op: BinaryOperator = symbol == "*" ? .multiply : symbol == "/" ? .divide : .remainder
            left = .binary(op, left, try parseUnary())
        }
        return left
    }

    private mutating func parseUnary() throws(EvaluationFailure) -> JQNode {
        take("-") ? .negate(try parsePostfix()) : try parsePostfix()
    }

    private mutating func parsePostfix() throws(EvaluationFailure) -> JQNode {
        var node = try parsePrimary()
        while true {
            if current == .symbol("."), case .name(let name) = tokens[index + 1] {
                index += 2
                node = .field(node, name)
            } else if current == .symbol("."), case .string(let name) = tokens[index + 1] {
                index += 2
                node = .field(node, name)
            } else if current == .symbol("."), tokens[index + 1] == .symbol("[") {
                index += 1
            } else if take("[") {
                node = try parseBracket(on: node)
            } else if take("?") {
                node = .optional(node)
            } else {
                return node
            }
        }
    }

    /// After `[`: `[]`, `[index]` or `[from:to]`.
    private mutating func parseBracket(on base: JQNode) throws(EvaluationFailure) -> JQNode {
        if take("]") { return .iterate(base) }
        if take(":") {
            let to = try parsePipe()
            try expect("]")
            return .slice(base, from: nil, to: to)
        }
        let key = try parsePipe()
        if take(":") {
            let to = current == .symbol("]") ? nil : try parsePipe()
            try expect("]")
            return .slice(base, from: key, to: to)
        }
        try expect("]")
        return .index(base, key)
    }

    private mutating func parsePrimary() throws(EvaluationFailure) -> JQNode {
        try nest()
        defer { depth -= 1 }
        switch advance() {
        case .symbol("."):
            switch current {
            case .name(let name):
                index += 1
                return .field(.identity, name)
            case .string(let name):
                index += 1
                return .field(.identity, name)
            case .symbol("["):
                index += 1
                return try parseBracket(on: .identity)
            default:
                return .identity
            }
        case .number(let value): return .literal(value)
        case .string(let value): return .literal(.string(value))
        case .symbol("("):
            let inner = try parsePipe()
            try expect(")")
            return inner
        case .symbol("["):
            if take("]") { return .array(nil) }
            let inner = try parsePipe()
            try expect("]")
            return .array(inner)
        case .symbol("{"): return try parseObject()
        case .name("true"): return .literal(true)
        case .name("false"): return .literal(false)
        case .name("null"): return .literal(.null)
        case .name("if"): return try parseConditional()
        case .name(let name):
            var arguments: [JQNode] = []
            if take("(") {
                repeat { arguments.append(try parsePipe()) } while take(";")
                try expect(")")
            }
            return .call(name, arguments)
        case let token:
            throw EvaluationFailure("jq: unexpected \(token)")
        }
    }

    private mutating func parseObject() throws(EvaluationFailure) -> JQNode {
        var entries: [JQNode.ObjectEntry] = []
        while !take("}") {
            let key: JQNode
            var shorthand: JQNode
            switch advance() {
            case .name(let name), .string(let name):
                key = .literal(.string(name))
                shorthand = .field(.identity, name)
            case .symbol("("):
                key = try parsePipe()
                try expect(")")
                shorthand = .identity
            case let token:
                throw EvaluationFailure("jq: unexpected \(token) in an object")
            }
            if take(":") {
                shorthand = try parseAlternative()
            } else if case .call = key {
                throw EvaluationFailure("jq: an object key needs a value")
            }
            entries.append(.init(key: key, value: shorthand))
            if take("}") { break }
            try expect(",")
        }
        return .object(entries)
    }

    private mutating func parseConditional() throws(EvaluationFailure) -> JQNode {
        var branches: [(condition: JQNode, then: JQNode)] = []
        repeat {
            let condition = try parsePipe()
            guard advance() == .name("then") else { throw EvaluationFailure("jq: expected `then`") }
            branches.append((condition, try parsePipe()))
        } while take(name: "elif")
        var otherwise: JQNode?
        if take(name: "else") { otherwise = try parsePipe() }
        guard advance() == .name("end") else { throw EvaluationFailure("jq: expected `end`") }
        return .conditional(branches, otherwise: otherwise)
    }

    private mutating func take(name: String) -> Bool {
        guard current == .name(name) else { return false }
        index += 1
        return true
    }
}
