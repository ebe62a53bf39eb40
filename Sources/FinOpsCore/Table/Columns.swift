/// A set of row positions, one bit per row; marks the null rows of a column.
public struct NullMask: Sendable, Hashable {
    /// The bits, 64 rows per word.
    public private(set) var words: [UInt64]
    /// The number of rows covered.
    public private(set) var count: Int

    /// Creates a mask of `count` rows, none of them null.
    public init(count: Int = 0) {
        self.words = Array(repeating: 0, count: (count + 63) / 64)
        self.count = count
    }

    init(words: [UInt64], count: Int) {
        self.words = words
        self.count = count
    }

    /// Whether the row is null.
    @inlinable
    public subscript(row: Int) -> Bool {
        words[row &>> 6] & (1 &<< UInt64(row & 63)) != 0
    }

    /// Appends one row.
    public mutating func append(_ isNull: Bool) {
        if count & 63 == 0 { words.append(0) }
        if isNull { words[count &>> 6] |= 1 &<< UInt64(count & 63) }
        count += 1
    }

    /// Appends `rows` rows that are all null or all not null.
    public mutating func append(repeating isNull: Bool, count rows: Int) {
        guard rows > 0 else { return }
        var other = NullMask(count: rows)
        if isNull {
            for index in other.words.indices { other.words[index] = ~0 }
            if rows & 63 != 0 { other.words[other.words.count - 1] = (1 &<< UInt64(rows & 63)) &- 1 }
        }
        append(contentsOf: other)
    }

    /// Appends the rows of another mask, a word at a time.
    public mutating func append(contentsOf other: NullMask) {
        let shift = count & 63
        if shift == 0 {
            words.append(contentsOf: other.words)
            count += other.count
            return
        }
        var remaining = other.count
        for word in other.words {
            let bits = min(64, remaining)
            words[words.count - 1] |= word &<< UInt64(shift)
            if shift + bits > 64 { words.append(word &>> UInt64(64 - shift)) }
            remaining -= bits
            count += bits
        }
    }

    /// Removes rows from the end until `newCount` remain.
    mutating func truncate(to newCount: Int) {
        guard newCount < count else { return }
        for row in newCount..<count { words[row &>> 6] &= ~(1 &<< UInt64(row & 63)) }
        words.removeLast(words.count - (newCount + 63) / 64)
        count = newCount
    }

    /// Whether any row is null.
    public var containsNull: Bool { words.contains { $0 != 0 } }

    /// The number of null rows.
    public var nullCount: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}

/// A dictionary-encoded text column: each row holds a code into ``dictionary``, or ``nullCode``.
public struct StringColumn: Sendable {
    /// The code of a null row.
    public static let nullCode: UInt32 = .max

    /// One code per row.
    public var codes: [UInt32]
    /// The distinct values; a code is an index into it.
    public var dictionary: [String]

    /// Creates a column from codes and their dictionary.
    public init(codes: [UInt32] = [], dictionary: [String] = []) {
        self.codes = codes
        self.dictionary = dictionary
    }

    /// The value of a row, or `nil` when it is null.
    @inlinable
    public subscript(row: Int) -> String? {
        let code = codes[row]
        return code == Self.nullCode ? nil : dictionary[Int(code)]
    }
}

/// A column of exact decimals; a null row holds zero, so sums need not look at ``nulls``.
public struct DecimalColumn: Sendable {
    /// One value per row (zero where null).
    public var values: [ExactDecimal]
    /// The null rows, or `nil` when there are none.
    public var nulls: NullMask?

    /// Creates a column from values and an optional null mask.
    public init(values: [ExactDecimal] = [], nulls: NullMask? = nil) {
        self.values = values
        self.nulls = nulls
    }

    /// The value of a row, or `nil` when it is null.
    @inlinable
    public subscript(row: Int) -> ExactDecimal? {
        if let nulls, nulls[row] { return nil }
        return values[row]
    }

    /// The exact sum of the non-null values.
    ///
    /// - Throws: ``DecimalOverflowError`` if the sum does not fit.
    public func sum() throws(DecimalOverflowError) -> ExactDecimal {
        var total = ExactDecimal.zero
        for value in values { total = try total.adding(value) }
        return total
    }
}

/// A column of UTC instants in microseconds since the epoch.
public struct TimestampColumn: Sendable {
    /// One value per row (zero where null).
    public var values: [Int64]
    /// The null rows, or `nil` when there are none.
    public var nulls: NullMask?

    /// Creates a column from values and an optional null mask.
    public init(values: [Int64] = [], nulls: NullMask? = nil) {
        self.values = values
        self.nulls = nulls
    }

    /// The value of a row, or `nil` when it is null.
    @inlinable
    public subscript(row: Int) -> Timestamp? {
        if let nulls, nulls[row] { return nil }
        return Timestamp(microsecondsSinceEpoch: values[row])
    }
}

/// A dictionary-encoded Tags column: each row holds a code into ``sets``, or ``nullCode``.
///
/// Codes identify sets within one batch; after tables are concatenated two codes may hold equal sets, so compare
/// the sets (or their values), not the codes.
public struct TagColumn: Sendable {
    /// The code of a row without Tags.
    public static let nullCode: UInt32 = .max

    /// One code per row.
    public var codes: [UInt32]
    /// The distinct tag sets.
    public var sets: [TagSet]

    /// Creates a column from codes and their tag sets.
    public init(codes: [UInt32] = [], sets: [TagSet] = []) {
        self.codes = codes
        self.sets = sets
    }

    /// The tags of a row, or `nil` when the cell is null.
    @inlinable
    public subscript(row: Int) -> TagSet? {
        let code = codes[row]
        return code == Self.nullCode ? nil : sets[Int(code)]
    }
}
