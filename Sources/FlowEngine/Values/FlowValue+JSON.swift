import Foundation
import OrderedCollections

extension FlowValue {
    /// The value as compact JSON (`{"a":1,"b":[true,null]}`), keys in their order; decimals with every digit.
    public var json: String {
        var out = ""
        writeJSON(to: &out)
        return out
    }

    private func writeJSON(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .int(let value): out += String(value)
        case .decimal(let value): out += value.description
        case .string(let value): Self.writeJSONString(value, to: &out)
        case .list(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.writeJSON(to: &out)
            }
            out += "]"
        case .map(let map):
            out += "{"
            for (index, (key, value)) in map.enumerated() {
                if index > 0 { out += "," }
                Self.writeJSONString(key, to: &out)
                out += ":"
                value.writeJSON(to: &out)
            }
            out += "}"
        }
    }

    private static func writeJSONString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// Parses JSON text; numbers become integers when they have no fraction or exponent, exact decimals otherwise.
    ///
    /// - Throws: ``JSONParseError`` with the character offset of the first problem.
    public init(parsingJSON text: String) throws(JSONParseError) {
        var parser = JSONParser(scalars: Array(text.unicodeScalars))
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.scalars.count else {
            throw parser.error("unexpected text after the JSON value")
        }
        self = value
    }
}

/// JSON that does not parse, with the 1-based character offset of the problem.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public var offset: Int
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at character \(offset): \(message)" }
}

private struct JSONParser {
    let scalars: [Unicode.Scalar]
    var position = 0

    init(scalars: [Unicode.Scalar]) { self.scalars = scalars }

    func error(_ message: String) -> JSONParseError { JSONParseError(offset: position + 1, message: message) }

    mutating func skipWhitespace() {
        while position < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[position]) { position += 1 }
    }

    mutating func value(depth: Int) throws(JSONParseError) -> FlowValue {
        guard depth < 512 else { throw error("nested too deeply") }
        guard position < scalars.count else { throw error("unexpected end of text") }
        switch scalars[position] {
        case "{":
            position += 1
            var map = OrderedDictionary<String, FlowValue>()
            skipWhitespace()
            if position < scalars.count, scalars[position] == "}" {
                position += 1
                return .map(map)
            }
            while true {
                skipWhitespace()
                guard position < scalars.count, scalars[position] == "\"" else { throw error("expected a key string") }
                let key = try string()
                skipWhitespace()
                try expect(":")
                skipWhitespace()
                map[key] = try value(depth: depth + 1)
                skipWhitespace()
                if try endOrComma("}") { return .map(map) }
            }
        case "[":
            position += 1
            var list: [FlowValue] = []
            skipWhitespace()
            if position < scalars.count, scalars[position] == "]" {
                position += 1
                return .list(list)
            }
            while true {
                skipWhitespace()
                list.append(try value(depth: depth + 1))
                skipWhitespace()
                if try endOrComma("]") { return .list(list) }
            }
        case "\"":
            return .string(try string())
        case "t":
            try literal("true")
            return .bool(true)
        case "f":
            try literal("false")
            return .bool(false)
        case "n":
            try literal("null")
            return .null
        default:
            return try number()
        }
    }

    private mutating func endOrComma(_ close: Unicode.Scalar) throws(JSONParseError) -> Bool {
        guard position < scalars.count else { throw error("expected ',' or '\(close)'") }
        if scalars[position] == close {
            position += 1
            return true
        }
        guard scalars[position] == "," else { throw error("expected ',' or '\(close)'") }
        position += 1
        return false
    }

    private mutating func expect(_ scalar: Unicode.Scalar) throws(JSONParseError) {
        guard position < scalars.count, scalars[position] == scalar else { throw error("expected '\(scalar)'") }
        position += 1
    }

    private mutating func literal(_ word: String) throws(JSONParseError) {
        for scalar in word.unicodeScalars { try expect(scalar) }
    }

    private mutating func number() throws(JSONParseError) -> FlowValue {
        let start = position
        var isInteger = true
        while position < scalars.count, "+-0123456789.eE".unicodeScalars.contains(scalars[position]) {
            if !"-0123456789".unicodeScalars.contains(scalars[position]) { isInteger = false }
            position += 1
        }
        let text = String(String.UnicodeScalarView(scalars[start..<position]))
        if isInteger, let value = Int(text) { return .int(value) }
        guard !text.isEmpty, Double(text) != nil,
            let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else {
            position = start
            throw error(text.isEmpty ? "unexpected character '\(scalars[start])'" : "'\(text)' is not a number")
        }
        return .decimal(value)
    }

    private mutating func string() throws(JSONParseError) -> String {
        position += 1
        var out = String.UnicodeScalarView()
        while position < scalars.count {
            let scalar = scalars[position]
            position += 1
            switch scalar {
            case "\"":
                return String(out)
            case "\\":
                guard position < scalars.count else { throw error("unfinished escape") }
                let escaped = scalars[position]
                position += 1
                switch escaped {
                case "n": out.append("\n")
                case "t": out.append("\t")
                case "r": out.append("\r")
                case "b": out.append("\u{8}")
                case "f": out.append("\u{c}")
                case "\"", "\\", "/": out.append(escaped)
                case "u":
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), position + 1 < scalars.count, scalars[position] == "\\",
                        scalars[position + 1] == "u"
                    {
                        position += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw error("a \\u escape of a high surrogate must be followed by a low one")
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let decoded = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
                    out.append(decoded)
                default:
                    throw error("invalid escape \\\(escaped)")
                }
            case _ where scalar.value < 0x20:
                throw error("control character in a string")
            default:
                out.append(scalar)
            }
        }
        throw error("unterminated string")
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= scalars.count,
            let code = UInt32(String(String.UnicodeScalarView(scalars[position..<position + 4])), radix: 16)
        else { throw error("expected four hex digits") }
        position += 4
        return code
    }
}
