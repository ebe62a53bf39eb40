import FinOpsAnalytics
import FinOpsCore
import FlowEngine
import Foundation
import PivotKit

extension FlowValue {
    /// An exact amount as a flow value: a number when `Foundation.Decimal` holds it digit for digit (every amount
    /// with at most 38 significant digits), else a string with every digit.
    ///
    /// `ExactDecimal` keeps 18 fractional digits in 128 bits (up to 39 significant digits); a flow value's numbers
    /// are `Decimal`s, which keep 38. Rather than round the rare amount in between, it crosses as text, which
    /// expressions still compare and print exactly.
    public init(exactly amount: ExactDecimal) {
        let text = amount.description
        if let number = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")),
            ExactDecimal(number.description) == amount
        {
            self = .decimal(number)
        } else {
            self = .string(text)
        }
    }

    /// An analysis result's rows as a list of maps, one key per column: text cells as strings, number cells as
    /// numbers (decimals exactly, as ``init(exactly:)``), empty cells as null.
    public init(rowsOf table: ResultTable) {
        self = .list(
            table.rows.map { row in
                var map = OrderedDictionary<String, FlowValue>()
                for (index, cell) in row.enumerated() {
                    map[table.columns[index]] = FlowValue(cell: cell, kind: table.kinds[index])
                }
                return .map(map)
            }
        )
    }

    private init(cell: String?, kind: ResultTable.Kind) {
        guard let cell else {
            self = .null
            return
        }
        switch kind {
        case .text:
            self = .string(cell)
        case .number:
            if let integer = Int(cell) {
                self = .int(integer)
            } else if let amount = ExactDecimal(cell) {
                self = FlowValue(exactly: amount)
            } else {
                self = .string(cell)
            }
        }
    }

    /// A pivot's cells as a list of maps: each dimension's member under the dimension's name (null in a total),
    /// then each measure under its name (amounts exactly, as ``init(exactly:)``).
    public init(cellsOf result: PivotResult) {
        let dimensions = (result.query.rows + result.query.columns).map(\.description)
        let measures = result.query.measures.map(\.description)
        self = .list(
            result.cells.map { cell in
                var map = OrderedDictionary<String, FlowValue>()
                for (index, member) in (cell.rowValues + cell.columnValues).enumerated() {
                    map[dimensions[index]] = member.map { .string($0.description) } ?? .null
                }
                for (index, value) in cell.measures.enumerated() {
                    switch value {
                    case .decimal(let amount): map[measures[index]] = FlowValue(exactly: amount)
                    case .integer(let count): map[measures[index]] = .int(count)
                    case .null: map[measures[index]] = .null
                    }
                }
                return .map(map)
            }
        )
    }
}
