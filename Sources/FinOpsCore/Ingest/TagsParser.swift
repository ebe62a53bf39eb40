/// Parses the Tags cell of an export: a JSON object whose values are scalars.
///
/// Nested objects and arrays are kept as their JSON text (and reported, since FOCUS allows scalars only).
/// Azure exports that omit the enclosing braces (`"a": "b", "c": "d"`) are accepted as well.
struct TagsParser {
    struct Failure: Error {
        var message: String
    }

    struct Result {
        var tags: TagSet
        var hasNestedValue: Bool
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var hasNestedValue = false

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> Result {
        var parser = TagsParser(bytes: bytes)
        parser.skipWhitespace()
        let braced = parser.peek() == UInt8(ascii: "{")
        if braced { parser.index += 1 }
        let tags = try parser.members(closing: braced)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected text after the tags object") }
        return Result(tags: TagSet(tags), hasNestedValue: parser.hasNestedValue)
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private func peek() -> UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func failure(_ message: String) -> Failure {
        Failure(message: "Tags is not a JSON object: \(message) at character \(index + 1)")
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func members(closing: Bool) throws(Failure) -> [TagSet.Tag] {
        var tags: [TagSet.Tag] = []
        skipWhitespace()
        if closing, peek() == UInt8(ascii: "}") {
            index += 1
            return tags
        }
        if !closing, peek() == nil { throw failure("empty text") }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a quoted key") }
            let key = try string()
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw failure("expected ':' after key \(jsonQuoted(key))") }
            index += 1
            skipWhitespace()
            let value = try scalar()
            if let existing = tags.firstIndex(where: { $0.key == key }) {
                tags[existing].value = value
            } else {
                tags.append(TagSet.Tag(key: key, value: value))
            }
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}") where closing:
                index += 1
                return tags
            case nil where !closing:
                return tags
            default:
                throw failure(closing ? "expected ',' or '}'" : "expected ','")
            }
        }
    }

    private mutating func scalar() throws(Failure) -> TagValue {
        guard let byte = peek() else { throw failure("missing value") }
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = index
            try skipNested()
            hasNestedValue = true
            return .json(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = index
            while let next = peek(),
                (next >= 48 && next <= 57) || next == UInt8(ascii: "-") || next == UInt8(ascii: "+")
                    || next == UInt8(ascii: ".") || next | 0x20 == UInt8(ascii: "e")
            {
                index += 1
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            guard ExactDecimal(text) != nil || Double(text) != nil else { throw failure("invalid number \(text)") }
            return .number(text)
        default:
            throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count else { throw failure("unexpected end") }
        for offset in 0..<length where bytes[index + offset] != word.utf8Start[offset] {
            throw failure("unexpected character")
        }
        index += length
    }

    private mutating func skipNested() throws(Failure) {
        var depth = 0
        while let byte = peek() {
            switch byte {
            case UInt8(ascii: "\""):
                _ = try string()
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 {
                    index += 1
                    return
                }
            default:
                break
            }
            index += 1
        }
        throw failure("unterminated nested value")
    }

    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        var plain = true
        while let byte = peek(), byte != UInt8(ascii: "\"") {
            if byte == UInt8(ascii: "\\") {
                plain = false
                index += 1
            } else if byte < 0x20 {
                throw failure("control character in string")
            }
            index += 1
        }
        guard peek() == UInt8(ascii: "\"") else { throw failure("unterminated string") }
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
        index += 1
        guard let text = String(validating: raw, as: UTF8.self) else { throw failure("invalid UTF-8") }
        return plain ? text : try unescape(text)
    }

    private func unescape(_ text: String) throws(Failure) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pendingHigh: UInt32?
        while let scalar = scalars.next() {
            guard scalar == "\\" else {
                out.append(scalar)
                continue
            }
            guard let escaped = scalars.next() else { throw failure("dangling escape") }
            switch escaped {
            case "\"", "\\", "/": out.append(escaped)
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "u":
                var value: UInt32 = 0
                for _ in 0..<4 {
                    guard let digit = scalars.next(), let nibble = UInt32(String(digit), radix: 16) else {
                        throw failure("invalid \\u escape")
                    }
                    value = value * 16 + nibble
                }
                if (0xD800..<0xDC00).contains(value) {
                    pendingHigh = value
                    continue
                }
                if (0xDC00..<0xE000).contains(value), let high = pendingHigh {
                    value = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
                    pendingHigh = nil
                }
                guard let decoded = Unicode.Scalar(value) else { throw failure("invalid \\u escape") }
                out.append(decoded)
            default:
                throw failure("invalid escape \\\(escaped)")
            }
        }
        return String(out)
    }
}
