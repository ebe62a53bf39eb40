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

    /// Appends the rows of another table; columns missing on either side are null there.
    public mutating func append(_ other: CostTable) {
        self = CostTable.concatenating([self, other])
    }

    /// One table holding the rows of all tables in order, with merged dictionaries.
    ///
    /// - Complexity: O(total rows + total distinct values).
    public static func concatenating(_ tables: [CostTable]) -> CostTable {
        let nonEmpty = tables.filter { $0.rowCount > 0 || !$0.columns.isEmpty }
        if nonEmpty.count == 1 { return nonEmpty[0] }
        var names: [String] = []
        var kinds: [String: ColumnData] = [:]
        for table in nonEmpty {
            for column in table.columns where kinds[column.name] == nil {
                names.append(column.name)
                kinds[column.name] = column.data
            }
        }
        let total = nonEmpty.reduce(0) { $0 + $1.rowCount }
        var merged: [Column] = []
        merged.reserveCapacity(names.count)
        for name in names {
            let parts = nonEmpty.map { ($0.column(named: name)?.data, $0.rowCount) }
            switch kinds[name]! {
            case .string: merged.append(Column(name: name, data: .string(mergeStrings(parts, total: total))))
            case .decimal: merged.append(Column(name: name, data: .decimal(mergeDecimals(parts, total: total))))
            case .timestamp: merged.append(Column(name: name, data: .timestamp(mergeTimestamps(parts, total: total))))
            case .tags: merged.append(Column(name: name, data: .tags(mergeTags(parts, total: total))))
            }
        }
        return CostTable(rowCount: total, columns: merged)
    }
}

extension NullMask {
    func selecting(_ rows: [Int]) -> NullMask {
        var mask = NullMask()
        for row in rows { mask.append(self[row]) }
        return mask
    }
}

private func mergeStrings(_ parts: [(CostTable.ColumnData?, Int)], total: Int) -> StringColumn {
    var dictionary: [String] = []
    var interner = ByteInterner()
    var codes: [UInt32] = []
    codes.reserveCapacity(total)
    for (data, rows) in parts {
        guard case .string(let column)? = data else {
            codes.append(contentsOf: repeatElement(StringColumn.nullCode, count: rows))
            continue
        }
        let remap = column.dictionary.map { value -> UInt32 in
            var utf8 = value
            let (code, isNew) = utf8.withUTF8 { interner.intern($0) }
            if isNew { dictionary.append(value) }
            return code
        }
        remap.withUnsafeBufferPointer { remap in
            for code in column.codes { codes.append(code == StringColumn.nullCode ? code : remap[Int(code)]) }
        }
    }
    return StringColumn(codes: codes, dictionary: dictionary)
}

private func mergeTags(_ parts: [(CostTable.ColumnData?, Int)], total: Int) -> TagColumn {
    // Sets are appended, not deduplicated: hashing every tag set costs more than the few repeats save.
    var sets: [TagSet] = []
    var codes: [UInt32] = []
    codes.reserveCapacity(total)
    for (data, rows) in parts {
        guard case .tags(let column)? = data else {
            codes.append(contentsOf: repeatElement(TagColumn.nullCode, count: rows))
            continue
        }
        let offset = UInt32(sets.count)
        sets.append(contentsOf: column.sets)
        for code in column.codes { codes.append(code == TagColumn.nullCode ? code : code &+ offset) }
    }
    return TagColumn(codes: codes, sets: sets)
}

private func mergeNulls(_ parts: [(NullMask?, Int, present: Bool)], total: Int) -> NullMask? {
    guard parts.contains(where: { !$0.present || $0.0 != nil }) else { return nil }
    var mask = NullMask()
    for (nulls, rows, present) in parts {
        if let nulls {
            mask.append(contentsOf: nulls)
        } else {
            mask.append(repeating: !present, count: rows)
        }
    }
    return mask
}

private func mergeDecimals(_ parts: [(CostTable.ColumnData?, Int)], total: Int) -> DecimalColumn {
    var values: [ExactDecimal] = []
    values.reserveCapacity(total)
    var nullParts: [(NullMask?, Int, present: Bool)] = []
    for (data, rows) in parts {
        if case .decimal(let column)? = data {
            values.append(contentsOf: column.values)
            nullParts.append((column.nulls, rows, true))
        } else {
            values.append(contentsOf: repeatElement(.zero, count: rows))
            nullParts.append((nil, rows, false))
        }
    }
    return DecimalColumn(values: values, nulls: mergeNulls(nullParts, total: total))
}

private func mergeTimestamps(_ parts: [(CostTable.ColumnData?, Int)], total: Int) -> TimestampColumn {
    var values: [Int64] = []
    values.reserveCapacity(total)
    var nullParts: [(NullMask?, Int, present: Bool)] = []
    for (data, rows) in parts {
        if case .timestamp(let column)? = data {
            values.append(contentsOf: column.values)
            nullParts.append((column.nulls, rows, true))
        } else {
            values.append(contentsOf: repeatElement(0, count: rows))
            nullParts.append((nil, rows, false))
        }
    }
    return TimestampColumn(values: values, nulls: mergeNulls(nullParts, total: total))
}
