import FinOpsCore

/// A JSON value as the store reads it back: numbers keep their text (so decimals stay exact), objects keep their key
/// order and repeated keys, and each value keeps the text it was parsed from.
indirect enum JSONText: Sendable, Hashable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([JSONText], raw: String)
    case object([(key: String, value: JSONText)], raw: String)

    static func == (lhs: JSONText, rhs: JSONText) -> Bool { lhs.raw == rhs.raw }
    func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    /// The JSON text of the value.
    var raw: String {
        switch self {
        case .string(let value): JSONString.quoted(value)
        case .number(let value): value
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        case .array(_, let raw), .object(_, let raw): raw
        }
    }

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Parses one JSON value (and nothing after it but whitespace).
    static func parse(_ text: some Collection<UInt8>) throws(JSONTextError) -> JSONText {
        var parser = JSONTextParser(bytes: Array(text))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw JSONTextError(offset: parser.index) }
        return value
    }

    static func parse(_ text: String) throws(JSONTextError) -> JSONText {
        try parse(Array(text.utf8))
    }

    /// The object as tags: strings, numbers as written, booleans, nulls, and nested values as their JSON text.
    func tagSet() throws(JSONTextError) -> TagSet {
        guard case .object(let members, _) = self else { throw JSONTextError(offset: 0) }
        return TagSet(
            members.map { member in
                let value: TagValue =
                    switch member.value {
                    case .string(let text): .string(text)
                    case .number(let text): .number(text)
                    case .bool(let flag): .bool(flag)
                    case .null: .null
                    case .array(_, let raw), .object(_, let raw): .json(raw)
                    }
                return TagSet.Tag(key: member.key, value: value)
            }
        )
    }
}

struct JSONTextError: Error, CustomStringConvertible {
    var offset: Int
    var description: String { "invalid JSON at byte \(offset)" }
}

private struct JSONTextParser {
    let bytes: [UInt8]
    var index = 0

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func value() throws(JSONTextError) -> JSONText {
        skipWhitespace()
        guard index < bytes.count else { throw JSONTextError(offset: index) }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "{"):
            index += 1
            var members: [(key: String, value: JSONText)] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipWhitespace()
                    let key = try string()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    members.append((key, try value()))
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "}"))
                    break
                }
            }
            return .object(members, raw: String(decoding: bytes[start..<index], as: UTF8.self))
        case UInt8(ascii: "["):
            index += 1
            var elements: [JSONText] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    elements.append(try value())
                    skipWhitespace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        continue
                    }
                    try expect(UInt8(ascii: "]"))
                    break
                }
            }
            return .array(elements, raw: String(decoding: bytes[start..<index], as: UTF8.self))
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default:
            while index < bytes.count, Self.numberBytes.contains(bytes[index]) { index += 1 }
            guard index > start else { throw JSONTextError(offset: index) }
            return .number(String(decoding: bytes[start..<index], as: UTF8.self))
        }
    }

    private static let numberBytes = Set(Array("0123456789+-.eE".utf8))

    private mutating func expect(_ byte: UInt8) throws(JSONTextError) {
        guard index < bytes.count, bytes[index] == byte else { throw JSONTextError(offset: index) }
        index += 1
    }

    private mutating func literal(_ word: String) throws(JSONTextError) {
        for byte in word.utf8 { try expect(byte) }
    }

    private mutating func hex4() throws(JSONTextError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw JSONTextError(offset: index) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw JSONTextError(offset: index)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func string() throws(JSONTextError) -> String {
        try expect(UInt8(ascii: "\""))
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw JSONTextError(offset: index) }
            let byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "\"") { break }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                continue
            }
            guard index < bytes.count else { throw JSONTextError(offset: index) }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                {
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw JSONTextError(offset: index - 4) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                out += Array(String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: out.append(escape)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
