import Foundation
import OrderedCollections

/// Filters on text; a non-string input is used as its rendered text.
enum StringFilters {
    static func apply(
        _ name: FilterName,
        to input: FlowValue,
        arguments: FilterArguments
    ) throws(EvaluationFailure) -> FlowValue {
        if name == .escapeChar { return try escape(input, type: arguments.string(0) ?? "") }
        let text = input.rendered
        switch name {
        case .upper: return .string(text.uppercased())
        case .lower: return .string(text.lowercased())
        case .title: return .string(capitalizingWords(text))
        case .capitalize: return .string(text.prefix(1).uppercased() + text.dropFirst())
        case .trim: return .string(text.trimmingCharacters(in: .whitespacesAndNewlines))
        case .split:
            let limit = try arguments.integer(1) ?? 0
            return .list(try split(text, by: arguments.string(0) ?? "", limit: limit).map(FlowValue.string))
        case .replace: return .string(try replace(text, arguments))
        case .slugify: return .string(slugify(text))
        case .startsWith: return .bool(text.hasPrefix(try arguments.string(0) ?? ""))
        case .endsWith: return .bool(text.hasSuffix(try arguments.string(0) ?? ""))
        case .substringBefore, .substringAfter, .substringBeforeLast, .substringAfterLast:
            return .string(substring(text, name, separator: try arguments.string(0) ?? ""))
        case .urlencode: return .string(URLCoding.encode(text))
        case .urldecode: return .string(try URLCoding.decode(text))
        case .base64encode: return .string(Data(text.utf8).base64EncodedString())
        case .base64decode:
            guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8) else {
                throw EvaluationFailure("input is not base64-encoded UTF-8 text")
            }
            return .string(decoded)
        case .sha256: return .string(SHA256.hexDigest(of: Array(text.utf8)))
        case .indent, .nindent:
            guard let amount = try arguments.integer(0), (0...1000).contains(amount) else {
                throw EvaluationFailure("needs an amount from 0 to 1000")
            }
            let padding = String(repeating: try arguments.string(1) ?? " ", count: amount)
            let newline = text.contains("\r\n") ? "\r\n" : "\n"
            let indented = text.replacingOccurrences(of: newline, with: newline + padding)
            return .string(name == .nindent ? newline + padding + indented : indented)
        case .abbreviate:
            guard let length = try arguments.integer(0), length >= 0 else {
                throw EvaluationFailure("needs a length of at least 0")
            }
            guard text.count > length else { return .string(text) }
            return .string(length < 3 ? String(text.prefix(length)) : text.prefix(length - 3) + "...")
        default:
            throw EvaluationFailure("does not apply to \(input.kindName)")
        }
    }

    private static func capitalizingWords(_ text: String) -> String {
        var result = ""
        var atWordStart = true
        for character in text {
            result += atWordStart ? character.uppercased() : String(character)
            atWordStart = character.isWhitespace
        }
        return result
    }

    /// Java's `String.split(regex, limit)`: a positive limit caps the parts, zero drops trailing empty parts.
    static func split(_ text: String, by delimiter: String, limit: Int) throws(EvaluationFailure) -> [String] {
        var parts: [String]
        if !delimiter.isEmpty, !delimiter.contains(where: { "\\^$.|?*+()[]{}".contains($0) }) {
            // A delimiter without metacharacters matches itself; no need for a regular expression.
            parts = text.components(separatedBy: delimiter)
            if limit > 0, parts.count > limit {
                parts = Array(parts.prefix(limit - 1)) + [parts.dropFirst(limit - 1).joined(separator: delimiter)]
            }
        } else {
            parts = try splitMatches(text, by: delimiter, limit: limit)
        }
        if limit == 0 {
            while parts.count > 1, parts.last?.isEmpty == true { parts.removeLast() }
            if parts == [""], !text.isEmpty { parts = [] }
        }
        return parts
    }

    private static func splitMatches(
        _ text: String,
        by delimiter: String,
        limit: Int
    ) throws(EvaluationFailure) -> [String] {
        let pattern = try RegularExpression.compile(delimiter)
        let whole = text as NSString
        var parts: [String] = []
        var start = 0
        for match in pattern.matches(in: text, range: NSRange(location: 0, length: whole.length)) {
            if limit > 0, parts.count == limit - 1 { break }
            // A zero-width match at the very start does not produce a leading empty part.
            if match.range.length == 0, match.range.location == 0 { continue }
            if match.range.length == 0, match.range.location >= whole.length { break }
            parts.append(whole.substring(with: NSRange(location: start, length: match.range.location - start)))
            start = match.range.location + match.range.length
        }
        parts.append(whole.substring(from: start))
        return parts
    }

    /// Kestra's `replace`: each key of the map replaced by its value, literally or as a regular expression.
    private static func replace(_ text: String, _ arguments: FilterArguments) throws(EvaluationFailure) -> String {
        guard case .map(let pairs) = arguments[0] ?? .null else {
            throw EvaluationFailure("needs a map of replacements")
        }
        let useRegex = arguments.bool(1) ?? false
        var result = text
        for (search, replacement) in pairs {
            if useRegex {
                let pattern = try RegularExpression.compile(search)
                let range = NSRange(location: 0, length: (result as NSString).length)
                result = pattern.stringByReplacingMatches(
                    in: result,
                    range: range,
                    withTemplate: replacement.rendered
                )
            } else if !search.isEmpty {
                result = result.replacingOccurrences(of: search, with: replacement.rendered)
            }
        }
        return result
    }

    private static func slugify(_ text: String) -> String {
        let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        var slug = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingDash, !slug.isEmpty { slug += "-" }
                pendingDash = false
                slug.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        return slug
    }

    /// Apache `StringUtils.substring*`: a missing separator gives the whole text (before) or nothing (after).
    private static func substring(_ text: String, _ name: FilterName, separator: String) -> String {
        let range: Range<String.Index>?
        switch name {
        case .substringBefore, .substringAfter:
            range = separator.isEmpty ? text.startIndex..<text.startIndex : text.range(of: separator)
        default:
            range = separator.isEmpty ? text.endIndex..<text.endIndex : text.range(of: separator, options: .backwards)
        }
        switch name {
        case .substringBefore, .substringBeforeLast:
            guard let range else { return text }
            return String(text[..<range.lowerBound])
        default:
            guard let range, !separator.isEmpty || name == .substringAfter else { return "" }
            return String(text[range.upperBound...])
        }
    }

    /// Kestra's `escapeChar`: quotes escaped for single- or double-quoted strings or shell words, through lists and maps.
    private static func escape(_ value: FlowValue, type: String) throws(EvaluationFailure) -> FlowValue {
        let quote: String
        let replacement: String
        switch type.lowercased() {
        case "single": (quote, replacement) = ("'", "\\'")
        case "double": (quote, replacement) = ("\"", "\\\"")
        case "shell": (quote, replacement) = ("'", "'\\''")
        default: throw EvaluationFailure("the type must be 'single', 'double' or 'shell'")
        }
        func escaped(_ value: FlowValue) -> FlowValue {
            switch value {
            case .null: .null
            case .list(let items): .list(items.map(escaped))
            case .map(let map): .map(map.mapValues(escaped))
            default: .string(value.rendered.replacingOccurrences(of: quote, with: replacement))
            }
        }
        return escaped(value)
    }
}

/// Regular expressions for `split`, `replace` and input validators, compiled with Java-like defaults.
enum RegularExpression {
    /// The longest pattern, in UTF-16 units: Foundation on Linux leaks memory each time it compiles a longer one,
    /// which a server rendering flows for weeks must not do.
    static let maximumLength = 256

    static func compile(_ pattern: String) throws(EvaluationFailure) -> NSRegularExpression {
        guard pattern.utf16.count <= maximumLength else {
            throw EvaluationFailure(
                "a regular expression of \(pattern.utf16.count) characters is too long (at most \(maximumLength))"
            )
        }
        do {
            return try NSRegularExpression(pattern: pattern)
        } catch {
            throw EvaluationFailure("invalid regular expression `\(pattern)`")
        }
    }
}

/// `application/x-www-form-urlencoded` text, as Java's `URLEncoder` and `URLDecoder` do it.
enum URLCoding {
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "*"),
                UInt8(ascii: "_"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                result += "+"
            default:
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }

    static func decode(_ text: String) throws(EvaluationFailure) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
                else {
                    throw EvaluationFailure("invalid percent escape")
                }
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            default: bytes.append(byte)
            }
        }
        guard let decoded = String(bytes: bytes, encoding: .utf8) else { throw EvaluationFailure("not UTF-8 text") }
        return decoded
    }
}
