import FinOpsCore
import Foundation

extension CompiledPivot {
    /// The pivot from the statement's result rows, each value in PostgreSQL's text format (`nil` for SQL NULL).
    ///
    /// Averages are divided and percentiles interpolated exactly here; derived measures, HAVING, sort and limit are
    /// applied as the in-memory executor applies them, so both executors give the same cells.
    ///
    /// - Throws: ``PivotError`` naming the row and column of a value that does not read as its column's type.
    public func result(rows: [[String?]]) throws(PivotError) -> PivotResult {
        let assembly = try PivotAssembly(query: query)
        let dimensions = query.rows + query.columns
        let folded = columns.lazy.compactMap { column -> Int? in
            if case .others(let dimension) = column { dimension } else { nil }
        }.first
        var cells: [PivotResult.Cell] = []
        cells.reserveCapacity(rows.count)
        for (rowIndex, row) in rows.enumerated() {
            var reader = RowReader(row: row, number: rowIndex + 1)
            var members: [DimensionValue?] = []
            var measureValues = [MeasureValue](repeating: .null, count: measures.count)
            var isOthers = false
            var rolledUp = 0
            for column in columns {
                switch column {
                case .dimension(let index):
                    members.append(try reader.member(of: dimensions[index], calendar: assembly.calendar))
                case .others:
                    isOthers = try reader.text() == "t"
                case .measure(let index):
                    measureValues[index] = try reader.measure(measures[index])
                case .averageParts(let index):
                    let sum = try reader.decimal() ?? .zero
                    let count = try reader.integer() ?? 0
                    measureValues[index] =
                        count == 0 ? .null : .decimal(ExactDecimal(units: dividedHalfEven(sum.units, by: count)))
                case .percentileValues(let index):
                    guard case .percentile(_, let percent) = measures[index] else { continue }
                    let values = try reader.decimalArray()
                    measureValues[index] =
                        values.isEmpty
                        ? .null : .decimal(ExactDecimal(units: interpolatedPercentile(values.sorted(), percent)))
                case .grouping:
                    rolledUp = try reader.integer() ?? 0
                }
            }
            for index in members.indices where rolledUp & (1 << (members.count - 1 - index)) != 0 {
                members[index] = nil
            }
            if isOthers, let folded, members[folded] != nil {
                members[folded] = .others
            }
            cells.append(
                PivotResult.Cell(
                    rowValues: Array(members[..<query.rows.count]),
                    columnValues: Array(members[query.rows.count...]),
                    measures: measureValues
                )
            )
        }
        return try assembly.result(cells: cells)
    }
}

/// Reads one result row's values in order, naming the row and column of a value it cannot read.
private struct RowReader {
    let row: [String?]
    let number: Int
    var position = 0

    init(row: [String?], number: Int) {
        self.row = row
        self.number = number
    }

    mutating func text() throws(PivotError) -> String? {
        guard position < row.count else {
            throw PivotError("result row \(number) has \(row.count) columns; the statement returns more")
        }
        defer { position += 1 }
        return row[position]
    }

    mutating func integer() throws(PivotError) -> Int? {
        guard let text = try text() else { return nil }
        guard let value = Int(text) else { throw invalid(text, expected: "an integer") }
        return value
    }

    mutating func decimal() throws(PivotError) -> ExactDecimal? {
        guard let text = try text() else { return nil }
        guard let value = ExactDecimal(text) else { throw invalid(text, expected: "a decimal of at most 18 digits") }
        return value
    }

    /// A `numeric[]` such as `{1.5,2,NULL}`; nulls are left out.
    mutating func decimalArray() throws(PivotError) -> [Int128] {
        guard let text = try text() else { return [] }
        guard text.hasPrefix("{"), text.hasSuffix("}") else { throw invalid(text, expected: "an array") }
        var values: [Int128] = []
        for element in text.dropFirst().dropLast().split(separator: ",") where element != "NULL" {
            guard let value = ExactDecimal(String(element)) else {
                throw invalid(text, expected: "an array of decimals")
            }
            values.append(value.units)
        }
        return values
    }

    mutating func measure(_ measure: Measure) throws(PivotError) -> MeasureValue {
        switch measure {
        case .count, .countDistinct, .approxCountDistinct:
            return try integer().map(MeasureValue.integer) ?? .integer(0)
        default:
            return try decimal().map(MeasureValue.decimal) ?? .null
        }
    }

    /// A dimension member; the caller turns it into a total when GROUPING() says the dimension is rolled up.
    mutating func member(of dimension: PivotDimension, calendar: Calendar) throws(PivotError) -> DimensionValue {
        guard let text = try text() else { return .null }
        guard case .time(_, let bucket) = dimension else { return .text(text) }
        guard let seconds = Int64(text) else { throw invalid(text, expected: "Unix seconds of a time bucket") }
        let micros = seconds * 1_000_000
        return .time(
            Timestamp(microsecondsSinceEpoch: micros),
            label: KeyColumn.label(micros, bucket: bucket, calendar: calendar)
        )
    }

    private func invalid(_ text: String, expected: String) -> PivotError {
        PivotError("result row \(number), column \(position): '\(text)' is not \(expected)")
    }
}
