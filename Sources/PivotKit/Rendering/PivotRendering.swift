import FinOpsCore
import Foundation

extension PivotResult {
    /// The label of a total in rendered output.
    public static let totalLabel = "(total)"

    /// RFC 4180 CSV: the row and column dimensions, then the measures; one line per cell, every digit kept.
    /// Totals (when asked for) carry ``totalLabel`` in the dimensions they sum over.
    public func csv() -> String {
        let dimensions = query.rows + query.columns
        let header = dimensions.map(\.description) + query.measures.map(\.description)
        var text = header.map(CSVField.quoted).joined(separator: ",") + "\n"
        for cell in cells {
            var first = true
            for field in memberLabels(cell.rowValues + cell.columnValues, dimensions: dimensions)
                + cell.measures.map(\.description)
            {
                if !first { text += "," }
                first = false
                text += CSVField.quoted(field)
            }
            text += "\n"
        }
        return text
    }

    /// An aligned text table for a terminal: with column dimensions, a crosstab with one column per column
    /// member and measure; totals labelled ``totalLabel``.
    public func table() -> String {
        let grid = crosstab()
        let lines = [grid.header] + grid.rows.map(\.cells)
        let widths = grid.header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { column, text in
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return column < grid.labelColumns ? text + padding : padding + text
            }
            .joined(separator: "  ")
            .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        .joined(separator: "\n")
    }

    /// A self-contained HTML page with the pivot table (no scripts, no external resources).
    public func html(title: String = "Pivot") -> String {
        let grid = crosstab()
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>\(markupEscaped(title))</title>
            <style>
            body{font:14px system-ui,sans-serif;margin:2em;color:#222}
            table{border-collapse:collapse}
            th,td{padding:4px 10px;border-bottom:1px solid #ddd;white-space:nowrap}
            th{background:#f3f4f6;text-align:left}
            td.n{text-align:right;font-variant-numeric:tabular-nums}
            tr.total td{font-weight:600;background:#fafafa}
            caption{text-align:left;font-weight:600;margin-bottom:.5em}
            </style></head><body>
            <table><caption>\(markupEscaped(title))</caption>
            <thead><tr>
            """
        for (index, cell) in grid.header.enumerated() {
            page += "<th\(index < grid.labelColumns ? "" : " class=\"n\"")>\(markupEscaped(cell))</th>"
        }
        page += "</tr></thead>\n<tbody>\n"
        for row in grid.rows {
            page += row.isTotal ? "<tr class=\"total\">" : "<tr>"
            for (index, cell) in row.cells.enumerated() {
                page += "<td\(index < grid.labelColumns ? "" : " class=\"n\"")>\(markupEscaped(cell))</td>"
            }
            page += "</tr>\n"
        }
        return page + "</tbody></table>\n</body></html>\n"
    }

    /// The pivot laid out as a grid: one line per row member combination, one column per column member and
    /// measure.
    package func crosstab() -> (header: [String], labelColumns: Int, rows: [(cells: [String], isTotal: Bool)]) {
        var columnKeys: [[DimensionValue?]] = []
        var seenColumns = Set<[DimensionValue?]>()
        var rowKeys: [[DimensionValue?]] = []
        var seenRows = Set<[DimensionValue?]>()
        var lookup: [[DimensionValue?]: [MeasureValue]] = [:]
        for cell in cells {
            if seenRows.insert(cell.rowValues).inserted { rowKeys.append(cell.rowValues) }
            if seenColumns.insert(cell.columnValues).inserted { columnKeys.append(cell.columnValues) }
            lookup[cell.rowValues + cell.columnValues] = cell.measures
        }
        columnKeys.sort {
            PivotAssembly.order(
                .init(rowValues: [], columnValues: $0, measures: []),
                .init(rowValues: [], columnValues: $1, measures: [])
            )
        }
        // With no cells the measures still head their columns.
        if columnKeys.isEmpty { columnKeys = [[]] }
        var header = query.rows.map(\.description)
        for key in columnKeys {
            let prefix = key.isEmpty ? "" : memberLabels(key, dimensions: query.columns).joined(separator: " / ") + " "
            for measure in query.measures {
                header.append(query.columns.isEmpty ? measure.description : prefix + measure.description)
            }
        }
        let rows = rowKeys.map { rowKey -> (cells: [String], isTotal: Bool) in
            var line = memberLabels(rowKey, dimensions: query.rows)
            for columnKey in columnKeys {
                let values = lookup[rowKey + columnKey]
                for index in query.measures.indices { line.append(values?[index].description ?? "") }
            }
            return (line, rowKey.contains(nil))
        }
        return (header, query.rows.count, rows)
    }

    /// JSON: the dimensions and measures, then one object per cell (`null` for a total member), decimals as
    /// strings with every digit.
    public func json() throws -> String {
        struct Output: Encodable {
            var rows: [String]
            var columns: [String]
            var measures: [String]
            var cells: [Cell]
        }
        struct Cell: Encodable {
            var rows: [String?]
            var columns: [String?]
            var values: [String: MeasureValue]
            var total: Bool
        }
        let output = Output(
            rows: query.rows.map(\.description),
            columns: query.columns.map(\.description),
            measures: query.measures.map(\.description),
            cells: cells.map { cell in
                Cell(
                    rows: zip(cell.rowValues, query.rows).map { value, dimension in value.map { label($0, dimension) }
                    },
                    columns: zip(cell.columnValues, query.columns).map { value, dimension in
                        value.map { label($0, dimension) }
                    },
                    values: Dictionary(
                        uniqueKeysWithValues: zip(query.measures.map(\.description), cell.measures)
                    ),
                    total: cell.isTotal
                )
            }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(output), as: UTF8.self)
    }

    package func memberLabels(_ values: [DimensionValue?], dimensions: [PivotDimension]) -> [String] {
        zip(values, dimensions).map { value, dimension in value.map { label($0, dimension) } ?? Self.totalLabel }
    }

    /// Rows without a tag key form the "(untagged)" member.
    package func label(_ value: DimensionValue, _ dimension: PivotDimension) -> String {
        if case .null = value, case .tag = dimension { return "(untagged)" }
        return value.description
    }
}

extension MeasureValue {
    /// Decodes a count (number), an exact decimal (string) or null.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let integer = try? container.decode(Int.self) {
            self = .integer(integer)
        } else {
            self = .decimal(try ExactDecimal.parse(try container.decode(String.self)))
        }
    }

    /// Encodes a count as a number, a decimal as a string with every digit, null as null.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .decimal(let value): try container.encode(value.description)
        case .integer(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}
