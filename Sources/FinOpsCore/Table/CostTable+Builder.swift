extension CostTable {
    /// Builds one table from batches appended one after another, merging text dictionaries as it goes, so each
    /// batch can be released once appended (memory stays near the size of the result).
    ///
    /// Columns missing from a batch are null for its rows; a column first seen in a later batch is null for the
    /// rows before.
    public final class Builder {
        private var names: [String] = []
        private var columns: [String: ColumnBuilder] = [:]
        private var rowCount = 0
        private var capacity = 0

        /// An empty builder.
        public init() {}

        /// The number of rows appended so far.
        public var count: Int { rowCount }

        /// Appends the rows of a table.
        ///
        /// - Complexity: O(rows of the table + its distinct values).
        public func append(_ table: CostTable) {
            append(table, continuingDictionaries: false)
        }

        /// Appends the rows of a table; with `continuingDictionaries`, its text codes already number the values of
        /// every table appended so far, and its dictionaries list only the values new in it.
        func append(_ table: CostTable, continuingDictionaries: Bool) {
            for column in table.columns where columns[column.name] == nil {
                names.append(column.name)
                columns[column.name] = ColumnBuilder(like: column.data, nullRows: rowCount)
                if capacity > 0 { columns[column.name]!.reserveCapacity(capacity) }
            }
            for name in names {
                if let column = table.column(named: name) {
                    columns[name]!.append(column.data, continuingDictionary: continuingDictionaries)
                } else {
                    columns[name]!.appendNulls(table.rowCount)
                }
            }
            rowCount += table.rowCount
        }

        /// Prepares room for about `rows` rows in total, so columns grow once instead of doubling repeatedly.
        public func reserveCapacity(_ rows: Int) {
            capacity = max(capacity, rows)
            for builder in columns.values { builder.reserveCapacity(rows) }
        }

        /// The table of every row appended.
        public func build() -> CostTable {
            CostTable(rowCount: rowCount, columns: names.map { Column(name: $0, data: columns[$0]!.build()) })
        }
    }
}

/// One column being built: values appended in place, text dictionaries merged by bytes.
private final class ColumnBuilder {
    private enum Kind {
        case string
        case decimal
        case timestamp
        case tags
    }

    private let kind: Kind
    private var codes: [UInt32] = []
    private var dictionary: [String] = []
    private var interner = ByteInterner()
    private var decimals: [ExactDecimal] = []
    private var times: [Int64] = []
    private var nulls: NullMask?
    private var sets: [TagSet] = []
    private var count = 0

    init(like data: CostTable.ColumnData, nullRows: Int) {
        switch data {
        case .string: kind = .string
        case .decimal: kind = .decimal
        case .timestamp: kind = .timestamp
        case .tags: kind = .tags
        }
        appendNulls(nullRows)
    }

    func reserveCapacity(_ rows: Int) {
        switch kind {
        case .string, .tags: codes.reserveCapacity(rows)
        case .decimal: decimals.reserveCapacity(rows)
        case .timestamp: times.reserveCapacity(rows)
        }
    }

    func appendNulls(_ rows: Int) {
        guard rows > 0 else { return }
        switch kind {
        case .string, .tags:
            codes.append(contentsOf: repeatElement(UInt32.max, count: rows))
        case .decimal:
            decimals.append(contentsOf: repeatElement(.zero, count: rows))
            markNulls(rows)
        case .timestamp:
            times.append(contentsOf: repeatElement(0, count: rows))
            markNulls(rows)
        }
        count += rows
    }

    private func markNulls(_ rows: Int) {
        if nulls == nil { nulls = NullMask(count: count) }
        nulls!.append(repeating: true, count: rows)
    }

    private func appendMask(_ mask: NullMask?, rows: Int) {
        if mask != nil, nulls == nil { nulls = NullMask(count: count) }
        if nulls != nil { nulls!.append(contentsOf: mask ?? NullMask(count: rows)) }
    }

    func append(_ data: CostTable.ColumnData, continuingDictionary: Bool) {
        switch data {
        case .string(let column) where continuingDictionary:
            precondition(kind == .string, "a column changes type between batches")
            codes.append(contentsOf: column.codes)
            dictionary.append(contentsOf: column.dictionary)
            count += column.codes.count
        case .string(let column):
            precondition(kind == .string, "a column changes type between batches")
            // Moved out while appending, so the arrays are uniquely referenced and grow in place.
            var codes = self.codes
            self.codes = []
            let remap = column.dictionary.map { value -> UInt32 in
                var utf8 = value
                let (code, isNew) = utf8.withUTF8 { interner.intern($0) }
                if isNew { dictionary.append(value) }
                return code
            }
            codes.reserveCapacity(codes.count + column.codes.count)
            remap.withUnsafeBufferPointer { remap in
                for code in column.codes { codes.append(code == StringColumn.nullCode ? code : remap[Int(code)]) }
            }
            self.codes = codes
            count += column.codes.count
        case .decimal(let column):
            precondition(kind == .decimal, "a column changes type between batches")
            appendMask(column.nulls, rows: column.values.count)
            decimals.append(contentsOf: column.values)
            count += column.values.count
        case .timestamp(let column):
            precondition(kind == .timestamp, "a column changes type between batches")
            appendMask(column.nulls, rows: column.values.count)
            times.append(contentsOf: column.values)
            count += column.values.count
        case .tags(let column):
            precondition(kind == .tags, "a column changes type between batches")
            // Sets are appended, not deduplicated: hashing every tag set costs more than the few repeats save.
            var codes = self.codes
            self.codes = []
            let offset = UInt32(sets.count)
            sets.append(contentsOf: column.sets)
            codes.reserveCapacity(codes.count + column.codes.count)
            for code in column.codes { codes.append(code == TagColumn.nullCode ? code : code &+ offset) }
            self.codes = codes
            count += column.codes.count
        }
    }

    func build() -> CostTable.ColumnData {
        switch kind {
        case .string: .string(StringColumn(codes: codes, dictionary: dictionary))
        case .decimal: .decimal(DecimalColumn(values: decimals, nulls: nulls))
        case .timestamp: .timestamp(TimestampColumn(values: times, nulls: nulls))
        case .tags: .tags(TagColumn(codes: codes, sets: sets))
        }
    }
}
