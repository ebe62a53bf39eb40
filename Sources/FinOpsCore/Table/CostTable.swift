/// A batch of cost rows stored column by column.
///
/// Text columns are dictionary-encoded, timestamps are microseconds since the epoch, costs and quantities are
/// ``ExactDecimal``s and Tags are dictionary-encoded ``TagSet``s. FOCUS columns use their 1.2 names; extra
/// columns of an export keep their own name and are stored as text.
public struct CostTable: Sendable {
    /// The values of one column.
    public enum ColumnData: Sendable {
        /// Dictionary-encoded text.
        case string(StringColumn)
        /// Exact decimals.
        case decimal(DecimalColumn)
        /// UTC instants.
        case timestamp(TimestampColumn)
        /// Tags.
        case tags(TagColumn)

        var count: Int {
            switch self {
            case .string(let column): column.codes.count
            case .decimal(let column): column.values.count
            case .timestamp(let column): column.values.count
            case .tags(let column): column.codes.count
            }
        }
    }

    /// A named column.
    public struct Column: Sendable {
        /// The column name: a FOCUS 1.2 ID or an extra column's header.
        public var name: String
        /// The values.
        public var data: ColumnData

        /// Creates a column.
        public init(name: String, data: ColumnData) {
            self.name = name
            self.data = data
        }
    }

    /// The number of rows.
    public private(set) var rowCount: Int
    /// The columns, in the order of the export they came from.
    public private(set) var columns: [Column]
    private var positions: [String: Int]

    /// An empty table without columns.
    public init() {
        self.rowCount = 0
        self.columns = []
        self.positions = [:]
    }

    /// Creates a table from columns that all hold `rowCount` rows.
    public init(rowCount: Int, columns: [Column]) {
        for column in columns {
            precondition(column.data.count == rowCount, "column \(column.name) has \(column.data.count) rows")
        }
        self.rowCount = rowCount
        self.columns = columns
        self.positions = Dictionary(columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The column with this name.
    public func column(named name: String) -> Column? {
        positions[name].map { columns[$0] }
    }

    /// The text column with this name, if there is one.
    public func strings(_ name: String) -> StringColumn? {
        if case .string(let column)? = column(named: name)?.data { return column }
        return nil
    }

    /// The decimal column with this name, if there is one.
    public func decimals(_ name: String) -> DecimalColumn? {
        if case .decimal(let column)? = column(named: name)?.data { return column }
        return nil
    }

    /// The timestamp column with this name, if there is one.
    public func timestamps(_ name: String) -> TimestampColumn? {
        if case .timestamp(let column)? = column(named: name)?.data { return column }
        return nil
    }

    /// The Tags column, if there is one.
    public var tags: TagColumn? {
        if case .tags(let column)? = column(named: "Tags")?.data { return column }
        return nil
    }

    /// A table of the given rows, in the given order.
    ///
    /// - Complexity: O(`rows.count` × number of columns).
    public func selecting(rows: [Int]) -> CostTable {
        let selected = columns.map { column -> Column in
            switch column.data {
            case .string(let values):
                return Column(
                    name: column.name,
                    data: .string(StringColumn(codes: rows.map { values.codes[$0] }, dictionary: values.dictionary))
                )
            case .decimal(let values):
                return Column(
                    name: column.name,
                    data: .decimal(
                        DecimalColumn(values: rows.map { values.values[$0] }, nulls: values.nulls?.selecting(rows))
                    )
                )
            case .timestamp(let values):
                return Column(
                    name: column.name,
                    data: .timestamp(
                        TimestampColumn(values: rows.map { values.values[$0] }, nulls: values.nulls?.selecting(rows))
                    )
                )
            case .tags(let values):
                return Column(
                    name: column.name,
                    data: .tags(TagColumn(codes: rows.map { values.codes[$0] }, sets: values.sets))
                )
            }
        }
        return CostTable(rowCount: rows.count, columns: selected)
    }

    /// One table holding the rows of all tables in order, with merged dictionaries.
    ///
    /// - Complexity: O(total rows + total distinct values).
    public static func concatenating(_ tables: [CostTable]) -> CostTable {
        let nonEmpty = tables.filter { $0.rowCount > 0 || !$0.columns.isEmpty }
        if nonEmpty.count == 1 { return nonEmpty[0] }
        let builder = Builder()
        for table in nonEmpty { builder.append(table) }
        return builder.build()
    }
}

extension CostTable {
    /// The table with a column of nulls, typed as FOCUS defines it, for each FOCUS column of `names` it lacks: an
    /// export without an optional column holds nulls there, as a PostgreSQL store's table does. Names that are not
    /// FOCUS columns are left out, so a misspelt column is still an error to whoever reads it.
    public func withMissingColumns(_ names: Set<String>) -> CostTable {
        var columns = self.columns
        var added = false
        for name in names.sorted() where column(named: name) == nil {
            guard let focus = FocusSchema.column(named: name), column(named: focus.name) == nil else { continue }
            var nulls = NullMask()
            nulls.append(repeating: true, count: rowCount)
            let data: ColumnData
            switch focus.dataType {
            case .string, .keyValue:
                data = .string(StringColumn(codes: Array(repeating: StringColumn.nullCode, count: rowCount)))
            case .decimal:
                data = .decimal(DecimalColumn(values: Array(repeating: .zero, count: rowCount), nulls: nulls))
            case .dateTime:
                data = .timestamp(TimestampColumn(values: Array(repeating: 0, count: rowCount), nulls: nulls))
            case .tags:
                data = .tags(TagColumn(codes: Array(repeating: TagColumn.nullCode, count: rowCount)))
            }
            columns.append(Column(name: focus.name, data: data))
            added = true
        }
        return added ? CostTable(rowCount: rowCount, columns: columns) : self
    }
}

extension NullMask {
    func selecting(_ rows: [Int]) -> NullMask {
        var mask = NullMask()
        for row in rows { mask.append(self[row]) }
        return mask
    }
}
