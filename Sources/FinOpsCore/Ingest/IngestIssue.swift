/// Where in an export a finding was made and what value caused it.
public struct IngestIssue: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file path as given.
    public var file: String
    /// The 1-based data row (the header is not counted), when the finding is about a row.
    public var row: Int?
    /// The 1-based line of the file where that row starts.
    public var line: Int?
    /// The column, by its name in the file.
    public var column: String?
    /// The offending value, as written.
    public var value: String?
    /// What is wrong, for a person.
    public var message: String

    /// Creates a finding.
    public init(
        file: String,
        row: Int? = nil,
        line: Int? = nil,
        column: String? = nil,
        value: String? = nil,
        message: String
    ) {
        self.file = file
        self.row = row
        self.line = line
        self.column = column
        self.value = value
        self.message = message
    }

    /// `file: row 12 (line 13), column BilledCost, value "abc": not a decimal number`.
    public var description: String {
        var text = file
        if let row {
            text += ": row \(row)"
            if let line { text += " (line \(line))" }
        } else if let line {
            text += ":\(line)"
        }
        if let column { text += ", column \(column)" }
        if let value { text += ", value \(jsonQuoted(value.count > 80 ? String(value.prefix(80)) + "…" : value))" }
        return text + ": " + message
    }
}

/// An export that cannot be ingested as it is: the location, the value and the reason.
public struct IngestError: Error, Sendable, CustomStringConvertible {
    /// The kind of error; new kinds can be added without breaking callers.
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        /// A stable identifier, e.g. `invalid-number`.
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        public var description: String { rawValue }

        /// The file cannot be opened or read.
        public static let unreadableFile = Code("unreadable-file")
        /// A compressed file ends early or is corrupt.
        public static let corruptCompression = Code("corrupt-compression")
        /// The file has no header.
        public static let emptyFile = Code("empty-file")
        /// Quotes do not follow RFC 4180.
        public static let badQuoting = Code("bad-quoting")
        /// A row has more or fewer fields than the header.
        public static let wrongFieldCount = Code("wrong-field-count")
        /// Text that is not valid UTF-8.
        public static let invalidText = Code("invalid-text")
        /// A value that is not a decimal number, or has more precision than can be kept exactly.
        public static let invalidNumber = Code("invalid-number")
        /// A value that is not an ISO 8601 timestamp.
        public static let invalidTimestamp = Code("invalid-timestamp")
        /// Tags that are not a JSON object.
        public static let invalidTags = Code("invalid-tags")
        /// A mandatory column is missing from the header.
        public static let missingColumn = Code("missing-column")
        /// Two header cells name the same column.
        public static let duplicateColumn = Code("duplicate-column")
        /// A value outside a column's allowed values where the row cannot be classified without it.
        public static let disallowedValue = Code("disallowed-value")
        /// A null where the row cannot be stored without a value (currency, periods, charge category).
        public static let missingValue = Code("missing-value")
        /// A period whose end is not after its start.
        public static let invalidPeriod = Code("invalid-period")
    }

    /// The kind of error.
    public var code: Code
    /// Where it is and what value caused it.
    public var issue: IngestIssue

    /// Creates an error.
    public init(_ code: Code, _ issue: IngestIssue) {
        self.code = code
        self.issue = issue
    }

    public var description: String { issue.description }
}

/// A breach of the FOCUS specification that leaves the row usable: the row is stored and the breach counted.
public struct IngestWarningKind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// A stable identifier, e.g. `null-in-non-nullable-column`.
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// A null in a column the specification declares not nullable.
    public static let nullInNonNullableColumn = IngestWarningKind("null-in-non-nullable-column")
    /// A value outside the column's allowed values.
    public static let valueNotAllowed = IngestWarningKind("value-not-allowed")
    /// An allowed value written with different letter case.
    public static let wrongCase = IngestWarningKind("wrong-case-value")
    /// An empty string where the specification asks for null.
    public static let emptyString = IngestWarningKind("empty-string-for-null")
    /// An extra column without the `x_` prefix.
    public static let nonFocusColumn = IngestWarningKind("non-focus-column")
    /// A column under a name from an earlier FOCUS version.
    public static let renamedColumn = IngestWarningKind("renamed-column")
    /// A FOCUS column ID in different letter case.
    public static let columnNameCase = IngestWarningKind("column-name-case")
    /// A Tags value that is an object or array (the specification allows scalars only).
    public static let nestedTagValue = IngestWarningKind("nested-tag-value")
}

/// The warnings of an ingest, counted per kind and column, with the first few occurrences as examples.
public struct IngestWarnings: Sendable, Hashable, Codable {
    /// The warnings of one kind in one column.
    public struct Entry: Sendable, Hashable, Codable {
        /// The kind of breach.
        public var kind: IngestWarningKind
        /// The column.
        public var column: String
        /// How many rows (or header cells) showed it.
        public var count: Int
        /// The first occurrences, with file, row and value.
        public var examples: [IngestIssue]
    }

    /// How many examples are kept per entry.
    public static let examplesPerEntry = 3

    /// The entries, in the order they were first seen.
    public private(set) var entries: [Entry] = []
    private var positions: [Key: Int] = [:]

    private struct Key: Hashable, Codable {
        var kind: IngestWarningKind
        var column: String
    }

    /// No warnings.
    public init() {}

    /// The total number of warnings.
    public var totalCount: Int { entries.reduce(0) { $0 + $1.count } }

    /// Whether there are none.
    public var isEmpty: Bool { entries.isEmpty }

    /// Counts one warning; the issue is built only while examples are still being kept.
    public mutating func record(_ kind: IngestWarningKind, column: String, issue: () -> IngestIssue) {
        let key = Key(kind: kind, column: column)
        if let position = positions[key] {
            entries[position].count += 1
            if entries[position].examples.count < Self.examplesPerEntry { entries[position].examples.append(issue()) }
        } else {
            positions[key] = entries.count
            entries.append(Entry(kind: kind, column: column, count: 1, examples: [issue()]))
        }
    }

    /// Adds the counts of another set of warnings.
    public mutating func merge(_ other: IngestWarnings) {
        for entry in other.entries {
            let key = Key(kind: entry.kind, column: entry.column)
            if let position = positions[key] {
                entries[position].count += entry.count
                let room = Self.examplesPerEntry - entries[position].examples.count
                entries[position].examples += entry.examples.prefix(max(room, 0))
            } else {
                positions[key] = entries.count
                entries.append(entry)
            }
        }
    }

    private enum CodingKeys: String, CodingKey {
        case entries
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        entries = try container.decode([Entry].self, forKey: .entries)
        for (index, entry) in entries.enumerated() { positions[Key(kind: entry.kind, column: entry.column)] = index }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
    }
}
