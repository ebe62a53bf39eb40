import FinOpsCore

/// A parameter value, bound to a `$n` placeholder and sent apart from the SQL text with its PostgreSQL type.
///
/// Values are never spliced into SQL: quotes, `;`, `--`, backslashes and any Unicode text arrive at the server
/// exactly as given. `nil` in a parameter list is SQL NULL.
public enum PostgresValue: Sendable, Hashable {
    /// `text`.
    case text(String)
    /// `int8`.
    case integer(Int)
    /// `float8`.
    case double(Double)
    /// `bool`.
    case bool(Bool)
    /// `numeric`, exact.
    case decimal(ExactDecimal)
    /// `timestamptz`.
    case timestamp(Timestamp)
    /// `date`: the UTC calendar day of the timestamp.
    case date(Timestamp)
    /// `jsonb`, given as JSON text.
    case jsonb(String)
    /// `bytea`, sent in binary.
    case bytes([UInt8])
    /// `text[]`; `nil` elements are NULL.
    case textArray([String?])

    /// The PostgreSQL type OID the value is sent as.
    public var typeOID: UInt32 {
        switch self {
        case .text: 25
        case .integer: 20
        case .double: 701
        case .bool: 16
        case .decimal: 1700
        case .timestamp: 1184
        case .date: 1082
        case .jsonb: 3802
        case .bytes: 17
        case .textArray: 1009
        }
    }

    /// Whether the value is sent in binary format (only `bytea`); all others are sent as text.
    var isBinary: Bool {
        if case .bytes = self { true } else { false }
    }

    /// The bytes sent to the server (text format except for ``bytes(_:)``).
    ///
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/invalidParameter`` for text containing NUL, which
    ///   PostgreSQL's text types cannot hold.
    func wireBytes(parameter index: Int, operation: String) throws(PostgresError) -> [UInt8] {
        func checked(_ string: String) throws(PostgresError) -> [UInt8] {
            let bytes = Array(string.utf8)
            if bytes.contains(0) {
                throw PostgresError(
                    .invalidParameter,
                    operation: operation,
                    message: "parameter $\(index + 1) contains a NUL character, which PostgreSQL text cannot hold"
                )
            }
            return bytes
        }
        switch self {
        case .text(let value), .jsonb(let value): return try checked(value)
        case .integer(let value): return Array(String(value).utf8)
        case .double(let value):
            if value.isNaN { return Array("NaN".utf8) }
            if value.isInfinite { return Array((value < 0 ? "-Infinity" : "Infinity").utf8) }
            return Array(value.description.utf8)
        case .bool(let value): return value ? [UInt8(ascii: "t")] : [UInt8(ascii: "f")]
        case .decimal(let value): return Array(value.description.utf8)
        case .timestamp(let value): return Array(value.description.utf8)
        case .date(let value):
            return Array(String(value.description.prefix { $0 != "T" }).utf8)
        case .bytes(let value): return value
        case .textArray(let values):
            var text = "{"
            for (position, element) in values.enumerated() {
                if position > 0 { text += "," }
                guard let element else {
                    text += "NULL"
                    continue
                }
                text += "\""
                for character in element.unicodeScalars {
                    if character == "\"" || character == "\\" { text += "\\" }
                    text.unicodeScalars.append(character)
                }
                text += "\""
            }
            return try checked(text + "}")
        }
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) {
        self = .text(value)
    }

    public init(integerLiteral value: Int) {
        self = .integer(value)
    }

    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}
