/// A JSON scalar value of a tag.
public enum TagValue: Sendable, Hashable {
    /// A JSON string.
    case string(String)
    /// A JSON number, kept as written.
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// JSON `null`.
    case null
    /// A nested object or array (outside the specification), kept as its JSON text.
    case json(String)

    /// The value as text: strings unquoted, everything else as JSON.
    public var text: String {
        switch self {
        case .string(let value): value
        case .number(let value): value
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        case .json(let value): value
        }
    }
}

/// The tags of one row: key/value pairs in the order the export wrote them.
public struct TagSet: Sendable, Hashable {
    /// One tag.
    public struct Tag: Sendable, Hashable {
        /// The key, exactly as written (case and spaces kept).
        public var key: String
        /// The value.
        public var value: TagValue

        /// Creates a tag.
        public init(key: String, value: TagValue) {
            self.key = key
            self.value = value
        }
    }

    /// The tags.
    public var tags: [Tag]

    /// Creates a tag set.
    public init(_ tags: [Tag] = []) {
        self.tags = tags
    }

    /// The value of a key, or `nil` when the key is absent.
    public subscript(key: String) -> TagValue? {
        tags.first { $0.key == key }?.value
    }

    /// The tags as a compact JSON object.
    public var json: String {
        var text = "{"
        for (index, tag) in tags.enumerated() {
            if index > 0 { text += "," }
            text += jsonQuoted(tag.key) + ":"
            switch tag.value {
            case .string(let value): text += jsonQuoted(value)
            case .number(let value), .json(let value): text += value
            case .bool(let value): text += value ? "true" : "false"
            case .null: text += "null"
            }
        }
        return text + "}"
    }
}

/// JSON string literals, escaped as tags are written everywhere (the embedded store, PostgreSQL, JSON output).
public enum JSONString {
    /// The text as a JSON string literal, quotes included.
    public static func quoted(_ text: String) -> String {
        jsonQuoted(text)
    }
}

/// The text as a JSON string literal. One copy for our modules.
package func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}
