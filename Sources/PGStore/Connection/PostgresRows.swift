import CLibPQ
import FinOpsCore

/// The result of a statement: its rows (text format), their columns, and the command tag.
///
/// A result is immutable once received, so it can be read from any thread and is `Sendable`.
public struct PostgresRows: Sendable, RandomAccessCollection {
    /// A result column.
    public struct Column: Sendable, Hashable {
        /// The column's name as the statement labels it.
        public var name: String
        /// The OID of the column's type.
        public var typeOID: UInt32
    }

    let result: ResultHandle
    /// The statement, for decoding errors.
    let operation: String
    /// The result columns, in order.
    public let columns: [Column]
    /// The command tag, e.g. `INSERT 0 3` or `SELECT 2`.
    public let commandTag: String
    /// The rows inserted, updated, deleted, copied or selected, when the command reports it.
    public let affectedRows: Int?

    init(result: ResultHandle, operation: String) {
        self.result = result
        self.operation = operation
        let pointer = result.pointer
        columns = (0..<PQnfields(pointer)).map { index in
            Column(name: String(cString: PQfname(pointer, index)), typeOID: PQftype(pointer, index))
        }
        commandTag = String(cString: PQcmdStatus(pointer))
        affectedRows = Int(String(cString: PQcmdTuples(pointer)))
        endIndex = Int(PQntuples(pointer))
    }

    public var startIndex: Int { 0 }
    public let endIndex: Int

    public subscript(position: Int) -> PostgresRow {
        precondition(position >= 0 && position < endIndex, "row \(position) is out of range 0..<\(endIndex)")
        return PostgresRow(rows: self, index: position)
    }

    /// The index of the column with this name.
    public func columnIndex(named name: String) -> Int? {
        columns.firstIndex { $0.name == name }
    }
}

/// One row of a ``PostgresRows``.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    /// The number of columns.
    public var count: Int { rows.columns.count }

    /// The value of a column.
    public subscript(column: Int) -> PostgresCell {
        precondition(column >= 0 && column < rows.columns.count, "column \(column) is out of range")
        let pointer = rows.result.pointer
        let row = Int32(index)
        let field = Int32(column)
        let text: String? =
            PQgetisnull(pointer, row, field) == 1
            ? nil
            : String(
                decoding: UnsafeRawBufferPointer(
                    start: PQgetvalue(pointer, row, field),
                    count: Int(PQgetlength(pointer, row, field))
                ),
                as: UTF8.self
            )
        return PostgresCell(
            text: text,
            column: rows.columns[column],
            columnIndex: column,
            row: index,
            operation: rows.operation
        )
    }

    /// The value of the column with this name.
    ///
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/decoding`` if there is no such column.
    public func cell(named name: String) throws(PostgresError) -> PostgresCell {
        guard let column = rows.columnIndex(named: name) else {
            let names = rows.columns.map(\.name).joined(separator: ", ")
            throw PostgresError(.decoding, operation: rows.operation, message: "no column \(name) (columns: \(names))")
        }
        return self[column]
    }

    /// Decodes one column.
    public func decode<T: PostgresDecodable>(
        _ column: Int,
        as type: T.Type = T.self
    ) throws(PostgresError) -> T {
        try T(postgresCell: self[column])
    }

    /// Decodes the column with this name.
    public func decode<T: PostgresDecodable>(
        _ name: String,
        as type: T.Type = T.self
    ) throws(PostgresError) -> T {
        try T(postgresCell: cell(named: name))
    }

    /// Decodes the whole row as a tuple, e.g. `try row.decode((String, Int?).self)`.
    ///
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/decoding`` if the row has another number of columns
    ///   or a value does not decode.
    public func decode<each T: PostgresDecodable>(
        _ types: (repeat each T).Type
    ) throws(PostgresError) -> (repeat each T) {
        var expected = 0
        for _ in repeat (each T).self { expected += 1 }
        guard expected == count else {
            throw PostgresError(
                .decoding,
                operation: rows.operation,
                message: "the row has \(count) columns, decoded as \(expected)"
            )
        }
        var column = 0
        func next<U: PostgresDecodable>(_: U.Type) throws(PostgresError) -> U {
            defer { column += 1 }
            return try U(postgresCell: self[column])
        }
        return (repeat try next((each T).self))
    }
}

/// One value of a result, as the server's text.
public struct PostgresCell: Sendable, Hashable {
    /// The text of the value, `nil` for NULL.
    public var text: String?
    /// The column it belongs to.
    public var column: PostgresRows.Column
    /// The column's position.
    public var columnIndex: Int
    /// The row's position.
    public var row: Int
    /// The statement, for errors.
    var operation: String

    /// A decoding error that names the cell.
    public func decodingError(_ reason: String) -> PostgresError {
        PostgresError(
            .decoding,
            operation: operation,
            message: "row \(row), column \(column.name) (type OID \(column.typeOID)): \(reason)"
        )
    }

    /// The text, or a decoding error when the value is NULL.
    public func nonNullText(as type: String) throws(PostgresError) -> String {
        guard let text else { throw decodingError("NULL cannot be decoded as \(type); decode an Optional") }
        return text
    }
}

/// A Swift type that can be read from a result value (text format).
public protocol PostgresDecodable {
    /// Decodes a value.
    ///
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/decoding`` if the value is NULL (for non-optionals)
    ///   or is not a valid text of the type.
    init(postgresCell cell: PostgresCell) throws(PostgresError)
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        self = cell.text == nil ? nil : try Wrapped(postgresCell: cell)
    }
}

extension String: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        self = try cell.nonNullText(as: "String")
    }
}

extension Int: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        guard let value = Int(try cell.nonNullText(as: "Int")) else { throw cell.decodingError("not an integer") }
        self = value
    }
}

extension Int32: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        guard let value = Int32(try cell.nonNullText(as: "Int32")) else {
            throw cell.decodingError("not a 32-bit integer")
        }
        self = value
    }
}

extension Int64: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        guard let value = Int64(try cell.nonNullText(as: "Int64")) else {
            throw cell.decodingError("not a 64-bit integer")
        }
        self = value
    }
}

extension Double: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        let text = try cell.nonNullText(as: "Double")
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw cell.decodingError("not a number") }
            self = value
        }
    }
}

extension Bool: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        switch try cell.nonNullText(as: "Bool") {
        case "t": self = true
        case "f": self = false
        default: throw cell.decodingError("not a boolean")
        }
    }
}

extension ExactDecimal: PostgresDecodable {
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        let text = try cell.nonNullText(as: "ExactDecimal")
        do {
            self = try ExactDecimal.parse(text)
        } catch {
            throw cell.decodingError("'\(text)' is not an exact decimal: \(error)")
        }
    }
}

extension Timestamp: PostgresDecodable {
    /// Decodes `timestamptz` (and `timestamp`, read as UTC) in the ISO DateStyle each connection sets, and `date`
    /// as midnight UTC.
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        var text = try cell.nonNullText(as: "Timestamp")
        // PostgreSQL writes a whole-hour offset as `+02`; FinOpsCore's parser wants minutes too.
        let utf8 = Array(text.utf8)
        if utf8.count >= 3, utf8[utf8.count - 3] == UInt8(ascii: "+") || utf8[utf8.count - 3] == UInt8(ascii: "-"),
            utf8.count > 10
        {
            text += ":00"
        }
        guard let value = Timestamp(text) else { throw cell.decodingError("'\(text)' is not an ISO 8601 timestamp") }
        self = value
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// Decodes `bytea` in the hex output format (`\x…`).
    public init(postgresCell cell: PostgresCell) throws(PostgresError) {
        let text = [UInt8](try cell.nonNullText(as: "[UInt8]").utf8)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            throw cell.decodingError("not bytea in hex format")
        }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2 - 1)
        var index = 2
        while index < text.count {
            guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else {
                throw cell.decodingError("not bytea in hex format")
            }
            bytes.append(high << 4 | low)
            index += 2
        }
        self = bytes
    }
}

/// Owns a `PGresult`; it is read-only after creation, which libpq allows to be read from any thread.
final class ResultHandle: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQclear(pointer)
    }
}
