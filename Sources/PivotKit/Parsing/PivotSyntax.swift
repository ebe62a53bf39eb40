import FinOpsCore

/// A syntax error in a pivot expression, pointing at the column where it was found.
public struct PivotSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that was parsed.
    public var text: String
    /// The 1-based column (in characters) of the problem.
    public var column: Int
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(text: String, column: Int, message: String) {
        self.text = text
        self.column = column
        self.message = message
    }

    /// The message, the text and a caret under the column.
    public var description: String {
        "column \(column): \(message)\n  \(text)\n  \(String(repeating: " ", count: max(column - 1, 0)))^"
    }
}

/// Parses the textual pivot syntax: dimension lists, measure lists and filter expressions.
public enum PivotSyntax {
    /// Parses `ServiceName, month(ChargePeriodStart), tag(team)`.
    public static func dimensions(_ text: String) throws(PivotSyntaxError) -> [PivotDimension] {
        var parser = Parser(text)
        var dimensions: [PivotDimension] = []
        repeat {
            let (name, start) = try parser.identifier()
            if parser.accept(.leftParen) {
                let argument = try parser.nameOrText()
                try parser.expect(.rightParen)
                if name.lowercased() == "tag" {
                    dimensions.append(.tag(argument))
                } else if let bucket = TimeBucket(rawValue: name.lowercased()) {
                    dimensions.append(.time(argument, bucket))
                } else {
                    throw PivotSyntaxError(
                        text: text,
                        column: start,
                        message:
                            "unknown function \(name); use tag(key) or \(TimeBucket.allCases.map(\.rawValue).joined(separator: "/"))(column)"
                    )
                }
            } else {
                dimensions.append(.column(name))
            }
        } while parser.accept(.comma)
        try parser.expectEnd()
        return dimensions
    }

    /// Parses `sum(EffectiveCost), count(), count_distinct(ResourceId), p90(BilledCost),
    /// ratio(sum(EffectiveCost), sum(ListCost)), pct_of_total(sum(BilledCost))`.
    public static func measures(_ text: String) throws(PivotSyntaxError) -> [Measure] {
        var parser = Parser(text)
        var measures: [Measure] = []
        repeat {
            let (name, start) = try parser.identifier()
            try parser.expect(.leftParen)
            measures.append(try parser.measure(name, start: start))
        } while parser.accept(.comma)
        try parser.expectEnd()
        return measures
    }

    /// `p90` → 90, for percentiles p1…p99.
    static func percentile(_ name: String) -> Int? {
        guard name.first == "p" || name.first == "P", let percent = Int(name.dropFirst()), (1...99).contains(percent)
        else {
            return nil
        }
        return percent
    }

    /// Parses sort keys: dimensions or measures, each descending with a leading `-` or a trailing `desc`
    /// (`-sum(EffectiveCost), ServiceName` or `sum(EffectiveCost) desc, ServiceName`).
    public static func sortKeys(_ text: String) throws(PivotSyntaxError) -> [SortKey] {
        var keys: [SortKey] = []
        var offset = 0
        for item in splitTopLevel(text) {
            var body = Substring(item)
            var leading = 0
            while body.first == " " {
                body = body.dropFirst()
                leading += 1
            }
            var descending = body.first == "-"
            if body.first == "-" || body.first == "+" {
                body = body.dropFirst()
                leading += 1
            }
            while body.last == " " { body = body.dropLast() }
            for (suffix, isDescending) in [(" desc", true), (" asc", false)] where body.lowercased().hasSuffix(suffix) {
                body = body.dropLast(suffix.count)
                descending = isDescending
            }
            do throws(PivotSyntaxError) {
                if let measure = try? measures(String(body)), measure.count == 1 {
                    keys.append(.measure(measure[0], descending: descending))
                } else {
                    let dimension = try dimensions(String(body))
                    guard dimension.count == 1 else {
                        throw PivotSyntaxError(text: String(body), column: 1, message: "expected one sort key")
                    }
                    keys.append(.dimension(dimension[0], descending: descending))
                }
            } catch {
                throw PivotSyntaxError(text: text, column: offset + leading + error.column, message: error.message)
            }
            offset += item.count + 1
        }
        return keys
    }

    /// Parses a condition on measures for HAVING, such as `sum(EffectiveCost) > 100 and count() >= 5`.
    public static func having(_ text: String) throws(PivotSyntaxError) -> FilterExpression {
        try filter(text)
    }

    private static func splitTopLevel(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        return items
    }

    /// Parses a condition such as
    /// `ChargeCategory = 'Usage' and RegionId in ('us-east-1','eu-west-1') and ChargePeriodStart >= '2024-02-01'`.
    public static func filter(_ text: String) throws(PivotSyntaxError) -> FilterExpression {
        var parser = Parser(text)
        let expression = try parser.orExpression()
        try parser.expectEnd()
        return expression
    }
}

enum Token: Equatable {
    case identifier(String)
    case text(String)
    case number(String)
    case comparison(FilterExpression.Comparison)
    /// `~`, or `!~` when negated.
    case match(negated: Bool)
    case leftParen
    case rightParen
    case comma
    case end
}

private struct Parser {
    let text: String
    private var tokens: [(token: Token, column: Int)] = []
    var position = 0
    private var failure: PivotSyntaxError?
    /// How deep parentheses, `not`s and measures nest here: bounded, so hostile text cannot exhaust the stack of this
    /// parser or of what later walks the expression.
    private var depth = 0
    static let maximumDepth = 64

    /// Enters one level of nesting; throws past ``maximumDepth``.
    private mutating func nest() throws(PivotSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw error("the expression nests more than \(Self.maximumDepth) levels deep")
        }
    }

    init(_ text: String) {
        self.text = text
        tokenize()
    }

    var column: Int { tokens[position].column }

    var current: Token { tokens[position].token }

    private func error(_ message: String, at column: Int? = nil) -> PivotSyntaxError {
        PivotSyntaxError(text: text, column: column ?? self.column, message: message)
    }

    private func describe(_ token: Token) -> String {
        switch token {
        case .identifier(let name): "'\(name)'"
        case .text(let value): "'\(value)' (text)"
        case .number(let value): value
        case .comparison(let comparison): comparison.rawValue
        case .match(let negated): negated ? "!~" : "~"
        case .leftParen: "'('"
        case .rightParen: "')'"
        case .comma: "','"
        case .end: "the end"
        }
    }

    mutating func accept(_ token: Token) -> Bool {
        guard current == token else { return false }
        position += 1
        return true
    }

    mutating func expect(_ token: Token) throws(PivotSyntaxError) {
        if let failure { throw failure }
        guard accept(token) else { throw error("expected \(describe(token)), found \(describe(current))") }
    }

    func expectEnd() throws(PivotSyntaxError) {
        if let failure { throw failure }
        guard current == .end else { throw error("unexpected \(describe(current))") }
    }

    mutating func identifier() throws(PivotSyntaxError) -> (String, Int) {
        if let failure { throw failure }
        guard case .identifier(let name) = current else {
            throw error("expected a name, found \(describe(current))")
        }
        let start = column
        position += 1
        return (name, start)
    }

    /// A name, or a quoted text (for tag keys with spaces).
    mutating func nameOrText() throws(PivotSyntaxError) -> String {
        if case .text(let value) = current {
            position += 1
            return value
        }
        return try identifier().0
    }

    private func isKeyword(_ word: String) -> Bool {
        if case .identifier(let name) = current { return name.lowercased() == word }
        return false
    }

    private mutating func acceptKeyword(_ word: String) -> Bool {
        guard isKeyword(word) else { return false }
        position += 1
        return true
    }

    mutating func orExpression() throws(PivotSyntaxError) -> FilterExpression {
        var expression = try andExpression()
        while acceptKeyword("or") { expression = .or(expression, try andExpression()) }
        return expression
    }

    private mutating func andExpression() throws(PivotSyntaxError) -> FilterExpression {
        var expression = try notExpression()
        while acceptKeyword("and") { expression = .and(expression, try notExpression()) }
        return expression
    }

    private mutating func notExpression() throws(PivotSyntaxError) -> FilterExpression {
        try nest()
        defer { depth -= 1 }
        if acceptKeyword("not") { return .not(try notExpression()) }
        if accept(.leftParen) {
            let inner = try orExpression()
            try expect(.rightParen)
            return inner
        }
        return try predicate()
    }

    private mutating func field() throws(PivotSyntaxError) -> FilterExpression.Field {
        let (name, start) = try identifier()
        guard accept(.leftParen) else { return .column(name) }
        switch name.lowercased() {
        case "tag":
            let key = try nameOrText()
            try expect(.rightParen)
            return .tag(key)
        case "count", "sum", "min", "max", "avg", "count_distinct", "approx_count_distinct", "ratio", "diff",
            "pct_of_total", "pct_of_parent",
            "pct_of_column", "change", "pct_change":
            return .measure(try measure(name, start: start))
        case let lowered where PivotSyntax.percentile(lowered) != nil:
            return .measure(try measure(name, start: start))
        default:
            throw error("unknown function \(name); use tag(key) or a measure such as sum(column)", at: start)
        }
    }

    /// A measure whose name and opening parenthesis were just read.
    mutating func measure(_ name: String, start: Int) throws(PivotSyntaxError) -> Measure {
        try nest()
        defer { depth -= 1 }
        let lowered = name.lowercased()
        switch lowered {
        case "count" where accept(.rightParen):
            return .count
        case "ratio", "diff":
            let (lhsName, lhsStart) = try identifier()
            try expect(.leftParen)
            let lhs = try measure(lhsName, start: lhsStart)
            try expect(.comma)
            let (rhsName, rhsStart) = try identifier()
            try expect(.leftParen)
            let rhs = try measure(rhsName, start: rhsStart)
            try expect(.rightParen)
            return lowered == "ratio" ? .ratio(lhs, rhs) : .difference(lhs, rhs)
        case "change", "pct_change":
            let (innerName, innerStart) = try identifier()
            try expect(.leftParen)
            let inner = try measure(innerName, start: innerStart)
            var offset = 1
            if accept(.comma) {
                guard case .number(let text) = current, let value = Int(text), value > 0 else {
                    throw error("the offset of \(lowered) is a whole number of periods, e.g. 12")
                }
                position += 1
                offset = value
            }
            try expect(.rightParen)
            return lowered == "change" ? .change(inner, offset: offset) : .percentChange(inner, offset: offset)
        case "pct_of_total", "pct_of_parent", "pct_of_column":
            let (innerName, innerStart) = try identifier()
            try expect(.leftParen)
            let inner = try measure(innerName, start: innerStart)
            try expect(.rightParen)
            switch lowered {
            case "pct_of_total": return .percentOfTotal(inner)
            case "pct_of_parent": return .percentOfParent(inner)
            default: return .percentOfColumn(inner)
            }
        default:
            break
        }
        let (column, _) = try identifier()
        try expect(.rightParen)
        switch lowered {
        case "sum": return .sum(column)
        case "min": return .min(column)
        case "max": return .max(column)
        case "avg": return .avg(column)
        case "count_distinct": return .countDistinct(column)
        case "approx_count_distinct": return .approxCountDistinct(column)
        default:
            if let percent = PivotSyntax.percentile(lowered) { return .percentile(column, percent) }
            throw error(
                "unknown measure \(name); use count(), sum, min, max, avg, count_distinct, p50/p90/p99, ratio, diff or pct_of_total/parent/column",
                at: start
            )
        }
    }

    private mutating func literal() throws(PivotSyntaxError) -> FilterExpression.Literal {
        if let failure { throw failure }
        switch current {
        case .text(let value):
            position += 1
            return .text(value)
        case .number(let value):
            guard let number = try? ExactDecimal.parse(value) else {
                throw error("\(value) is not an exact decimal number")
            }
            position += 1
            return .number(number)
        default:
            throw error("expected a 'quoted text' or a number, found \(describe(current))")
        }
    }

    private mutating func predicate() throws(PivotSyntaxError) -> FilterExpression {
        let field = try field()
        if case .comparison(let comparison) = current {
            position += 1
            return .compare(field, comparison, try literal())
        }
        if case .match(let negated) = current {
            position += 1
            let pattern = try regexPattern()
            return negated ? .not(.matches(field, pattern)) : .matches(field, pattern)
        }
        if acceptKeyword("is") {
            let negated = acceptKeyword("not")
            guard acceptKeyword("null") else { throw error("expected NULL after IS") }
            return negated ? .not(.isNull(field)) : .isNull(field)
        }
        let negated = acceptKeyword("not")
        if acceptKeyword("in") {
            try expect(.leftParen)
            var values = [try literal()]
            while accept(.comma) { values.append(try literal()) }
            try expect(.rightParen)
            return negated ? .not(.isIn(field, values)) : .isIn(field, values)
        }
        if acceptKeyword("between") {
            let lower = try literal()
            guard acceptKeyword("and") else { throw error("expected AND in BETWEEN") }
            let upper = try literal()
            return negated ? .not(.between(field, lower, upper)) : .between(field, lower, upper)
        }
        if acceptKeyword("like") {
            guard case .text(let pattern) = try literal() else { throw error("LIKE needs a 'quoted pattern'") }
            return negated ? .not(.like(field, pattern)) : .like(field, pattern)
        }
        if acceptKeyword("matches") {
            let pattern = try regexPattern()
            return negated ? .not(.matches(field, pattern)) : .matches(field, pattern)
        }
        throw error(
            "expected a comparison (=, !=, <, <=, >, >=), IN, BETWEEN, LIKE, MATCHES (~) or IS NULL after \(field)"
        )
    }

    /// A quoted regular expression, checked here so a bad one is reported at its column.
    private mutating func regexPattern() throws(PivotSyntaxError) -> String {
        let column = column
        guard case .text(let pattern) = try literal() else {
            throw error("a regular expression match needs a 'quoted pattern'", at: column)
        }
        do throws(PivotError) {
            _ = try RegexPattern(pattern)
        } catch {
            throw self.error(error.message, at: column)
        }
        return pattern
    }

    // MARK: - Tokens

    private mutating func tokenize() {
        let characters = Array(text)
        var index = 0
        func add(_ token: Token, _ start: Int) { tokens.append((token, start + 1)) }
        while index < characters.count {
            let character = characters[index]
            let start = index
            if character.isWhitespace {
                index += 1
            } else if character.isLetter || character == "_" {
                while index < characters.count,
                    characters[index].isLetter || characters[index].isNumber || characters[index] == "_"
                        || characters[index] == "."
                {
                    index += 1
                }
                add(.identifier(String(characters[start..<index])), start)
            } else if character.isNumber
                || (character == "-" && index + 1 < characters.count && characters[index + 1].isNumber)
                || character == "."
            {
                index += 1
                while index < characters.count,
                    characters[index].isNumber || characters[index] == "." || characters[index] == "e"
                        || characters[index] == "E"
                        || ((characters[index] == "-" || characters[index] == "+")
                            && (characters[index - 1] == "e" || characters[index - 1] == "E"))
                {
                    index += 1
                }
                add(.number(String(characters[start..<index])), start)
            } else if character == "'" {
                var value = ""
                index += 1
                var closed = false
                while index < characters.count {
                    if characters[index] == "'" {
                        if index + 1 < characters.count, characters[index + 1] == "'" {
                            value.append("'")
                            index += 2
                            continue
                        }
                        closed = true
                        index += 1
                        break
                    }
                    value.append(characters[index])
                    index += 1
                }
                if !closed {
                    failure = PivotSyntaxError(text: text, column: start + 1, message: "the quoted text is not closed")
                    break
                }
                add(.text(value), start)
            } else if character == "(" {
                add(.leftParen, start)
                index += 1
            } else if character == ")" {
                add(.rightParen, start)
                index += 1
            } else if character == "," {
                add(.comma, start)
                index += 1
            } else if character == "~"
                || (character == "!" && index + 1 < characters.count && characters[index + 1] == "~")
            {
                add(.match(negated: character == "!"), start)
                index += character == "!" ? 2 : 1
            } else if "=!<>".contains(character) {
                var symbol = String(character)
                if index + 1 < characters.count, "=>".contains(characters[index + 1]) {
                    symbol.append(characters[index + 1])
                }
                let comparison: FilterExpression.Comparison? =
                    switch symbol {
                    case "=", "==": .equal
                    case "!=", "<>": .notEqual
                    case "<": .less
                    case "<=": .lessOrEqual
                    case ">": .greater
                    case ">=": .greaterOrEqual
                    default: nil
                    }
                guard let comparison else {
                    if symbol.count == 2 {
                        symbol.removeLast()
                        if let single = FilterExpression.Comparison(rawValue: symbol) {
                            add(.comparison(single), start)
                            index += 1
                            continue
                        }
                    }
                    failure = PivotSyntaxError(text: text, column: start + 1, message: "unknown operator \(symbol)")
                    break
                }
                add(.comparison(comparison), start)
                index += symbol.count
            } else {
                failure = PivotSyntaxError(
                    text: text,
                    column: start + 1,
                    message: "unexpected character '\(character)'"
                )
                break
            }
        }
        tokens.append((.end, characters.count + 1))
    }
}
