import FinOpsCore

/// An analysis result as rows of text under named columns, printed as an aligned table, RFC 4180 CSV or JSON (an
/// array of objects; decimals as strings with every digit, so no reader rounds them).
public struct ResultTable: Sendable, Hashable {
    /// How a column's values are written in JSON.
    public enum Kind: Sendable, Hashable {
        /// A JSON string (text, and decimals, which keep every digit).
        case text
        /// A JSON number (counts, scores, ratios).
        case number
    }

    /// The column names.
    public var columns: [String]
    /// The JSON kind of each column.
    public var kinds: [Kind]
    /// The rows; `nil` cells print empty (JSON null).
    public var rows: [[String?]]

    /// Creates an empty table.
    public init(columns: [(String, Kind)]) {
        self.columns = columns.map(\.0)
        self.kinds = columns.map(\.1)
        self.rows = []
    }

    /// Adds a row of one cell per column.
    public mutating func append(_ row: [String?]) {
        precondition(row.count == columns.count)
        rows.append(row)
    }

    /// Aligned columns for a terminal (numbers right-aligned).
    public func text() -> String {
        let all = [columns] + rows.map { $0.map { $0 ?? "" } }
        let widths = columns.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                if column > 0 { line += "  " }
                line += kinds[column] == .number ? padding + cell : cell + padding
            }
            while line.last == " " { line.removeLast() }
            return line
        }
        .joined(separator: "\n")
    }

    /// RFC 4180 CSV with a header line.
    public func csv() -> String {
        var text = columns.map(CSVField.quoted).joined(separator: ",") + "\n"
        for row in rows { text += row.map { CSVField.quoted($0 ?? "") }.joined(separator: ",") + "\n" }
        return text
    }

    /// A JSON array with one object per row.
    public func json() -> String {
        var text = "["
        for (index, row) in rows.enumerated() {
            text += index == 0 ? "\n  {" : ",\n  {"
            for (column, cell) in row.enumerated() {
                if column > 0 { text += ", " }
                text += JSONString.quoted(columns[column]) + ": "
                switch (cell, kinds[column]) {
                case (nil, _): text += "null"
                case (let value?, .number): text += value
                case (let value?, .text): text += JSONString.quoted(value)
                }
            }
            text += "}"
        }
        return text + (rows.isEmpty ? "]" : "\n]")
    }
}
