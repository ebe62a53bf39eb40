import Foundation

/// A lexical token of a template: literal text, a delimiter, or a piece of an expression.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case text(String)
        /// `{{` (`trim` for `{{-`)
        case printOpen
        case printClose
        case tagOpen
        case tagClose
        case name(String)
        case integer(Int)
        case decimal(Decimal)
        case string(String)
        case symbol(String)
        case end
    }

    var kind: Kind
    /// 1-based offset of the first character.
    var offset: Int
    /// Offset just past the last character.
    var end: Int
}

/// Splits a template into text and the tokens of its `{{ }}` and `{% %}` parts; drops `{# #}` comments, keeps
/// `{% raw %}` blocks as text and applies `-` whitespace control.
struct TemplateLexer {
    private let chars: [Character]
    private let source: String
    private var position = 0
    private var tokens: [Token] = []
    /// Set by a closing `-}}`/`-%}`: the next text loses its leading whitespace.
    private var trimNextText = false

    private static let symbols = [
        "???", "??", "..", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "?", "~", "+", "-",
        "*", "/", "%", "<", ">", "=",
    ].map { Array($0) }

    init(_ source: String) {
        self.source = source
        self.chars = Array(source)
    }

    /// All tokens, ending with `.end`.
    static func tokenize(_ source: String) throws(ExpressionError) -> [Token] {
        var lexer = TemplateLexer(source)
        try lexer.run()
        return lexer.tokens
    }

    private func error(_ message: String, at index: Int) -> ExpressionError {
        ExpressionError(message: message, offset: index + 1, source: source)
    }

    private func matches(_ text: String, at index: Int) -> Bool {
        var i = index
        for character in text {
            guard i < chars.count, chars[i] == character else { return false }
            i += 1
        }
        return true
    }

    private mutating func run() throws(ExpressionError) {
        var textStart = 0
        while position < chars.count {
            guard chars[position] == "{", position + 1 < chars.count,
                ["{", "%", "#"].contains(chars[position + 1])
            else {
                position += 1
                continue
            }
            let open = position
            let trimBefore = position + 2 < chars.count && chars[position + 2] == "-"
            emitText(from: textStart, to: open, trimEnd: trimBefore)
            position += trimBefore ? 3 : 2
            switch chars[open + 1] {
            case "#": try skipComment(openedAt: open)
            case "{": try lexDelimited(open: .printOpen, close: "}}", openedAt: open)
            default:
                if try !lexRaw(openedAt: open) {
                    try lexDelimited(open: .tagOpen, close: "%}", openedAt: open)
                }
            }
            textStart = position
        }
        emitText(from: textStart, to: chars.count, trimEnd: false)
        tokens.append(Token(kind: .end, offset: chars.count + 1, end: chars.count + 1))
    }

    private mutating func emitText(from start: Int, to end: Int, trimEnd: Bool) {
        var lower = start
        var upper = end
        if trimNextText {
            while lower < upper, chars[lower].isWhitespace { lower += 1 }
            trimNextText = false
        }
        if trimEnd {
            while upper > lower, chars[upper - 1].isWhitespace { upper -= 1 }
        }
        guard lower < upper else { return }
        tokens.append(Token(kind: .text(String(chars[lower..<upper])), offset: lower + 1, end: upper + 1))
    }

    private mutating func skipComment(openedAt open: Int) throws(ExpressionError) {
        while position + 1 < chars.count {
            if chars[position] == "#", chars[position + 1] == "}" {
                trimNextText = position > open + 2 && chars[position - 1] == "-"
                position += 2
                return
            }
            position += 1
        }
        throw error("unclosed comment `{#`", at: open)
    }

    /// Reads the rest of a `{% raw %}` tag and its body up to `{% endraw %}`; false when the tag is another one.
    private mutating func lexRaw(openedAt open: Int) throws(ExpressionError) -> Bool {
        guard let afterOpen = tagWord("raw", at: position) else { return false }
        let bodyStart = afterOpen
        var index = bodyStart
        while index + 1 < chars.count {
            if chars[index] == "{", chars[index + 1] == "%" {
                let trim = index + 2 < chars.count && chars[index + 2] == "-"
                if let after = tagWord("endraw", at: index + (trim ? 3 : 2)) {
                    var upper = index
                    if trim {
                        while upper > bodyStart, chars[upper - 1].isWhitespace { upper -= 1 }
                    }
                    if bodyStart < upper {
                        tokens.append(
                            Token(kind: .text(String(chars[bodyStart..<upper])), offset: bodyStart + 1, end: upper + 1)
                        )
                    }
                    trimNextText = chars[after - 3] == "-"
                    position = after
                    return true
                }
            }
            index += 1
        }
        throw error("unclosed `{% raw %}`", at: open)
    }

    /// When `word` followed by `%}` (or `-%}`) starts at `index` after optional whitespace, the index after the tag.
    private func tagWord(_ word: String, at index: Int) -> Int? {
        var i = index
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        guard matches(word, at: i) else { return nil }
        i += word.count
        guard i < chars.count, chars[i].isWhitespace || chars[i] == "-" || chars[i] == "%" else { return nil }
        while i < chars.count, chars[i].isWhitespace { i += 1 }
        if matches("-%}", at: i) { return i + 3 }
        if matches("%}", at: i) { return i + 2 }
        return nil
    }

    private mutating func lexDelimited(open: Token.Kind, close: String, openedAt start: Int) throws(ExpressionError) {
        tokens.append(Token(kind: open, offset: start + 1, end: position + 1))
        var brackets: [Character] = []
        while true {
            while position < chars.count, chars[position].isWhitespace { position += 1 }
            guard position < chars.count else {
                throw error("unclosed `\(open == .printOpen ? "{{" : "{%")`", at: start)
            }
            // A `}` closes a map literal first; otherwise the closing delimiter ends the expression.
            if brackets.last != "{" || close != "}}" {
                let trim = chars[position] == "-" && matches(close, at: position + 1)
                if trim || matches(close, at: position) {
                    let closeStart = position
                    position += trim ? 3 : 2
                    trimNextText = trim
                    let kind: Token.Kind = open == .printOpen ? .printClose : .tagClose
                    tokens.append(Token(kind: kind, offset: closeStart + 1, end: position + 1))
                    return
                }
            }
            try lexToken(brackets: &brackets)
        }
    }

    private mutating func lexToken(brackets: inout [Character]) throws(ExpressionError) {
        let start = position
        let character = chars[position]
        if character == "{", position + 1 < chars.count, chars[position + 1] == "%" {
            throw error("unexpected `{%` inside an expression", at: start)
        }
        if character == "'" || character == "\"" {
            let value = try lexString(quote: character)
            tokens.append(Token(kind: .string(value), offset: start + 1, end: position + 1))
        } else if character.isASCII, character.isNumber {
            tokens.append(lexNumber())
        } else if character.isLetter || character == "_" {
            while position < chars.count,
                chars[position].isLetter || chars[position] == "_"
                    || (chars[position].isASCII && chars[position].isNumber)
            {
                position += 1
            }
            tokens.append(Token(kind: .name(String(chars[start..<position])), offset: start + 1, end: position + 1))
        } else if let symbol = Self.symbols.first(where: { symbol in
            start + symbol.count <= chars.count && chars[start..<start + symbol.count].elementsEqual(symbol)
        }) {
            position += symbol.count
            switch symbol {
            case ["("], ["["], ["{"]: brackets.append(symbol[0])
            case [")"], ["]"], ["}"]: _ = brackets.popLast()
            default: break
            }
            tokens.append(Token(kind: .symbol(String(symbol)), offset: start + 1, end: position + 1))
        } else {
            throw error("unexpected character `\(character)`", at: start)
        }
    }

    private mutating func lexNumber() -> Token {
        let start = position
        while position < chars.count, chars[position].isASCII, chars[position].isNumber { position += 1 }
        var isDecimal = false
        if position + 1 < chars.count, chars[position] == ".", chars[position + 1].isASCII, chars[position + 1].isNumber
        {
            isDecimal = true
            position += 1
            while position < chars.count, chars[position].isASCII, chars[position].isNumber { position += 1 }
        }
        let text = String(chars[start..<position])
        let kind: Token.Kind
        if !isDecimal, let value = Int(text) {
            kind = .integer(value)
        } else {
            kind = .decimal(Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) ?? 0)
        }
        return Token(kind: kind, offset: start + 1, end: position + 1)
    }

    /// A quoted string; `\n`, `\t`, `\r`, `\\`, `\'`, `\"`, `\/` and `\uXXXX` are escapes, any other backslash is
    /// kept so that regular expressions such as `'\d+'` read as written.
    private mutating func lexString(quote: Character) throws(ExpressionError) -> String {
        let start = position
        position += 1
        var value = ""
        while position < chars.count {
            let character = chars[position]
            position += 1
            if character == quote { return value }
            guard character == "\\", position < chars.count else {
                value.append(character)
                continue
            }
            let escaped = chars[position]
            position += 1
            switch escaped {
            case "n": value.append("\n")
            case "t": value.append("\t")
            case "r": value.append("\r")
            case "\\", "'", "\"", "/": value.append(escaped)
            case "u":
                let digits = String(chars[position..<min(position + 4, chars.count)])
                guard digits.count == 4, let code = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(code) else {
                    throw error("invalid \\u escape", at: position - 2)
                }
                value.unicodeScalars.append(scalar)
                position += 4
            default:
                value.append("\\")
                value.append(escaped)
            }
        }
        throw error("unterminated string", at: start)
    }
}
