import FinOpsCore

/// The kind of a ``CostTable`` column, as the manifest records it.
enum ColumnKind: String, Sendable, Hashable {
    case string
    case decimal
    case timestamp
    case tags

    init(_ data: CostTable.ColumnData) {
        switch data {
        case .string: self = .string
        case .decimal: self = .decimal
        case .timestamp: self = .timestamp
        case .tags: self = .tags
        }
    }

    /// The kind a FOCUS column must have to be stored in its typed column.
    init(focus type: FocusDataType) {
        switch type {
        case .string, .keyValue: self = .string
        case .decimal: self = .decimal
        case .dateTime: self = .timestamp
        case .tags: self = .tags
        }
    }
}

/// A column of a load: its name and kind.
struct StoredColumn: Sendable, Hashable {
    var name: String
    var kind: ColumnKind

    /// Whether it is a FOCUS column (stored in its own typed column) rather than an extra one (in `extra`).
    var isFocus: Bool { FocusSchema.column(named: name) != nil }

    /// `[["BilledCost","decimal"],…]`, as the manifest stores the column list.
    static func json(_ columns: [StoredColumn]) -> String {
        "["
            + columns.map { "[\(JSONString.quoted($0.name)),\(JSONString.quoted($0.kind.rawValue))]" }.joined(
                separator: ","
            ) + "]"
    }

    static func parse(json text: String) throws(JSONTextError) -> [StoredColumn] {
        guard case .array(let elements, _) = try JSONText.parse(text) else { throw JSONTextError(offset: 0) }
        var columns: [StoredColumn] = []
        for element in elements {
            guard case .array(let pair, _) = element, pair.count == 2, let name = pair[0].string,
                let kind = pair[1].string.flatMap(ColumnKind.init(rawValue:))
            else { throw JSONTextError(offset: 0) }
            columns.append(StoredColumn(name: name, kind: kind))
        }
        return columns
    }
}

/// The cost table's columns a load writes, in COPY order.
enum CostRowLayout {
    /// `source`, `billing_period`, `row_position`, the FOCUS columns, `tags_text`, `extra`.
    static let copyColumns: [String] =
        ["source", "billing_period", "row_position"] + FocusSchema.columns.map { CostSchema.columnName($0.name) }
        + ["tags_text", "extra"]

    static let copyStatement =
        "COPY \(CostSchema.costTable) (\(copyColumns.map(CostSchema.quoted).joined(separator: ", "))) FROM STDIN"

    static let focusIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: FocusSchema.columns.enumerated().map { ($1.name, $0) }
    )
}

/// Why a row cannot be encoded.
struct RowEncodingError: Error {
    var row: Int
    var column: String
    var reason: String
}

/// Encodes the rows of one batch as COPY text for ``CostRowLayout/copyColumns``; per-value work (escaping text,
/// building tag JSON) is done once per distinct value of the batch.
struct BatchEncoder {
    private enum Slot {
        case absent
        case string(EncodedStrings, codes: [UInt32])
        case decimal(DecimalColumn)
        case timestamp(TimestampColumn)
        case tags(EncodedTags, codes: [UInt32])
    }

    /// Dictionary entries, escaped, in one buffer; `nil` range for an entry that cannot be stored.
    private struct EncodedStrings {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>?] = []

        init(_ values: [String], transform: (String) -> String = { $0 }) {
            ranges.reserveCapacity(values.count)
            for value in values {
                let start = bytes.count
                ranges.append(CopyText.appendEscaped(transform(value).utf8, to: &bytes) ? start..<bytes.count : nil)
            }
        }
    }

    private struct EncodedTags {
        /// The jsonb field of each set.
        var jsonb: EncodedStrings
        /// The exact text of each set, `nil` when jsonb gives it back exactly.
        var exact: [[UInt8]?]
    }

    private enum Extra {
        case string(key: [UInt8], values: [[UInt8]], codes: [UInt32])
        case decimal(key: [UInt8], DecimalColumn)
        case timestamp(key: [UInt8], TimestampColumn)
        case tags(key: [UInt8], sets: [[UInt8]], codes: [UInt32])
    }

    private var slots: [Slot]
    private let extras: [Extra]
    /// The batch's columns in its order.
    let columns: [StoredColumn]

    /// Prepares a batch.
    ///
    /// - Throws: ``CostStoreError`` when a FOCUS column has another kind than its type needs.
    init(_ table: CostTable) throws(CostStoreError) {
        slots = Array(repeating: .absent, count: FocusSchema.columns.count)
        var columns: [StoredColumn] = []
        var extras: [(String, Extra)] = []
        for column in table.columns {
            let kind = ColumnKind(column.data)
            let stored = StoredColumn(name: column.name, kind: kind)
            guard !columns.contains(where: { $0.name == column.name }) else { continue }
            columns.append(stored)
            if let index = CostRowLayout.focusIndex[column.name] {
                let needed = ColumnKind(focus: FocusSchema.columns[index].dataType)
                guard needed == kind else {
                    throw CostStoreError(
                        .missingColumn,
                        "column \(column.name) holds \(kind.rawValue) values; the PostgreSQL store keeps it as "
                            + "\(needed.rawValue) (\(CostSchema.sqlType(FocusSchema.columns[index].dataType)))"
                    )
                }
                slots[index] = Self.slot(column.data)
            } else {
                extras.append((column.name, Self.extra(column)))
            }
        }
        // By name, so a row's extra JSON (and so the checksum) does not depend on the batch's column order.
        self.extras = extras.sorted { $0.0 < $1.0 }.map(\.1)
        self.columns = columns
    }

    private static func slot(_ data: CostTable.ColumnData) -> Slot {
        switch data {
        case .string(let column): return .string(EncodedStrings(column.dictionary), codes: column.codes)
        case .decimal(let column): return .decimal(column)
        case .timestamp(let column): return .timestamp(column)
        case .tags(let column):
            var exact: [[UInt8]?] = []
            var jsonbTexts: [String] = []
            for set in column.sets {
                let (jsonb, keepsExactly) = jsonbForm(set)
                jsonbTexts.append(jsonb)
                if keepsExactly {
                    exact.append(nil)
                } else {
                    var bytes: [UInt8] = []
                    exact.append(CopyText.appendEscaped(set.json.utf8, to: &bytes) ? bytes : [])
                }
            }
            return .tags(EncodedTags(jsonb: EncodedStrings(jsonbTexts), exact: exact), codes: column.codes)
        }
    }

    private static func extra(_ column: CostTable.Column) -> Extra {
        let key = Array((JSONString.quoted(column.name) + ":").utf8)
        switch column.data {
        case .string(let values):
            return .string(
                key: key,
                values: values.dictionary.map { Array(JSONString.quoted($0).utf8) },
                codes: values.codes
            )
        case .decimal(let values): return .decimal(key: key, values)
        case .timestamp(let values): return .timestamp(key: key, values)
        case .tags(let values):
            return .tags(
                key: key,
                sets: values.sets.map { Array(JSONString.quoted($0.json).utf8) },
                codes: values.codes
            )
        }
    }

    /// The JSON sent to the `tags` jsonb column (repeated keys keep their first value, as `TagSet`'s lookup does),
    /// and whether jsonb gives the tags back exactly: keys unique and in jsonb's order (shorter first, then by
    /// bytes), numbers in canonical form, no nested values.
    static func jsonbForm(_ set: TagSet) -> (json: String, keepsExactly: Bool) {
        var exact = true
        var previous: [UInt8]?
        var seen = Set<String>()
        var unique: [TagSet.Tag] = []
        for tag in set.tags {
            let key = Array(tag.key.utf8)
            if let previous,
                !(previous.count < key.count
                    || (previous.count == key.count && previous.lexicographicallyPrecedes(key)))
            {
                exact = false
            }
            previous = key
            switch tag.value {
            case .string, .bool, .null: break
            case .number(let text): if !isCanonicalNumber(text) { exact = false }
            case .json: exact = false
            }
            if seen.insert(tag.key).inserted { unique.append(tag) }
        }
        return (unique.count == set.tags.count ? set.json : TagSet(unique).json, exact)
    }

    /// Whether jsonb prints the number back as written: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, not negative zero.
    static func isCanonicalNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        let integer = bytes.prefix { (48...57).contains($0) }
        guard !integer.isEmpty, integer.count == 1 || integer.first != 48 else { return false }
        var rest = bytes.dropFirst(integer.count)
        var fraction: ArraySlice<UInt8> = []
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            fraction = rest.prefix { (48...57).contains($0) }
            guard !fraction.isEmpty else { return false }
            rest = rest.dropFirst(fraction.count)
        }
        guard rest.isEmpty else { return false }
        if negative, integer.allSatisfy({ $0 == 48 }), fraction.allSatisfy({ $0 == 48 }) { return false }
        return true
    }

    /// Appends one row (after the source and billing period fields, which the caller writes) and its newline.
    func encode(row: Int, position: Int, into out: inout [UInt8]) throws(RowEncodingError) {
        CopyText.appendUnsigned(UInt64(position), to: &out)
        var exactTags: [UInt8]?
        for (index, slot) in slots.enumerated() {
            out.append(CopyText.tab)
            switch slot {
            case .absent:
                out += CopyText.null
            case .string(let strings, let codes):
                let code = codes[row]
                if code == StringColumn.nullCode {
                    out += CopyText.null
                } else if let range = strings.ranges[Int(code)] {
                    out += strings.bytes[range]
                } else {
                    throw RowEncodingError(
                        row: row,
                        column: FocusSchema.columns[index].name,
                        reason: "the value contains a NUL character, which PostgreSQL text cannot hold"
                    )
                }
            case .decimal(let column):
                if let nulls = column.nulls, nulls[row] {
                    out += CopyText.null
                } else {
                    CopyText.appendDecimal(column.values[row], to: &out)
                }
            case .timestamp(let column):
                if let nulls = column.nulls, nulls[row] {
                    out += CopyText.null
                } else {
                    CopyText.appendTimestamp(column.values[row], to: &out)
                }
            case .tags(let tags, let codes):
                let code = codes[row]
                if code == TagColumn.nullCode {
                    out += CopyText.null
                } else {
                    out += tags.jsonb.bytes[tags.jsonb.ranges[Int(code)] ?? 0..<0]
                    exactTags = tags.exact[Int(code)]
                }
            }
        }
        out.append(CopyText.tab)
        if let exactTags { out += exactTags } else { out += CopyText.null }
        out.append(CopyText.tab)
        encodeExtra(row: row, into: &out)
        out.append(CopyText.newline)
    }

    private func encodeExtra(row: Int, into out: inout [UInt8]) {
        var json: [UInt8] = [UInt8(ascii: "{")]
        var members = 0
        func member(_ key: [UInt8], _ value: [UInt8]) {
            if members > 0 { json.append(UInt8(ascii: ",")) }
            json += key
            json += value
            members += 1
        }
        for extra in extras {
            switch extra {
            case .string(let key, let values, let codes):
                if codes[row] != StringColumn.nullCode { member(key, values[Int(codes[row])]) }
            case .decimal(let key, let column):
                if let value = column[row] { member(key, Array(JSONString.quoted(value.description).utf8)) }
            case .timestamp(let key, let column):
                if let value = column[row] { member(key, Array(JSONString.quoted(value.description).utf8)) }
            case .tags(let key, let sets, let codes):
                if codes[row] != TagColumn.nullCode { member(key, sets[Int(codes[row])]) }
            }
        }
        guard members > 0 else {
            out += CopyText.null
            return
        }
        json.append(UInt8(ascii: "}"))
        CopyText.appendEscaped(json, to: &out)
    }
}

/// Decodes the COPY text of ``CostRowDecoder/selectList(_:)`` back into a table with the stored columns.
struct CostRowDecoder {
    let columns: [StoredColumn]
    private let extraNames: [(name: String, index: Int)]
    private let focusPositions: [Int]
    private let builders: [ColumnDecoder]
    private(set) var rowCount = 0

    init(columns: [StoredColumn]) {
        self.columns = columns
        extraNames = columns.indices.filter { !columns[$0].isFocus }.map { (columns[$0].name, $0) }
        focusPositions = columns.indices.filter { columns[$0].isFocus }
        builders = columns.map { ColumnDecoder(column: $0) }
    }

    /// The SELECT expressions that give the stored columns back: FOCUS columns (timestamps as Unix microseconds,
    /// Tags as their exact text), then `extra` when there are extra columns.
    static func selectList(_ columns: [StoredColumn]) -> [String] {
        var list: [String] = []
        for column in columns where column.isFocus {
            let name = CostSchema.quoted(CostSchema.columnName(column.name))
            switch column.kind {
            case .string, .decimal: list.append(name)
            case .timestamp: list.append("(extract(epoch FROM \(name)) * 1000000)::int8")
            case .tags: list.append("COALESCE(tags_text, tags::text)")
            }
        }
        if columns.contains(where: { !$0.isFocus }) { list.append("extra::text") }
        return list
    }

    var fieldCount: Int { focusPositions.count + (extraNames.isEmpty ? 0 : 1) }

    /// Appends the rows of a chunk of COPY text.
    mutating func append(_ chunk: [UInt8]) throws(CostStoreError) {
        let expected = fieldCount
        var rows = 0
        do {
            try CopyTextRows.forEachRow(in: chunk, fieldCount: expected) { fields in
                guard fields.count == expected else {
                    throw CostStoreError(.corrupt, "a row read back has \(fields.count) fields, expected \(expected)")
                }
                for (field, position) in zip(fields, focusPositions) { try builders[position].append(field) }
                if !extraNames.isEmpty {
                    var values: [String: JSONText] = [:]
                    if let field = fields[fields.count - 1] {
                        guard case .object(let members, _) = try JSONText.parse(field) else {
                            throw CostStoreError(.corrupt, "extra is not a JSON object")
                        }
                        for member in members where values[member.key] == nil { values[member.key] = member.value }
                    }
                    for (name, index) in extraNames {
                        try builders[index].append(values[name].map { ArraySlice(($0.string ?? $0.raw).utf8) })
                    }
                }
                rows += 1
            }
        } catch let error as CostStoreError {
            throw error
        } catch {
            throw CostStoreError(.corrupt, "a stored row cannot be read back: \(error)")
        }
        rowCount += rows
    }

    /// The table of the rows decoded so far.
    func table() -> CostTable {
        CostTable(
            rowCount: rowCount,
            columns: zip(columns, builders).map { CostTable.Column(name: $0.name, data: $1.build()) }
        )
    }
}

/// One column being read back.
private final class ColumnDecoder {
    let column: StoredColumn
    private var codes: [UInt32] = []
    private var dictionary: [String] = []
    private var lookup: [String: UInt32] = [:]
    private var sets: [TagSet] = []
    private var decimals: [ExactDecimal] = []
    private var times: [Int64] = []
    private var nulls = NullMask()

    init(column: StoredColumn) {
        self.column = column
    }

    func append(_ field: ArraySlice<UInt8>?) throws(CostStoreError) {
        switch column.kind {
        case .string:
            guard let field else { return codes.append(StringColumn.nullCode) }
            codes.append(intern(String(decoding: field, as: UTF8.self)))
        case .tags:
            guard let field else { return codes.append(TagColumn.nullCode) }
            let text = String(decoding: field, as: UTF8.self)
            if let code = lookup[text] { return codes.append(code) }
            do {
                sets.append(try JSONText.parse(field).tagSet())
            } catch {
                throw CostStoreError(.corrupt, "column \(column.name): the stored tags are not a JSON object")
            }
            lookup[text] = UInt32(sets.count - 1)
            codes.append(UInt32(sets.count - 1))
        case .decimal:
            nulls.append(field == nil)
            guard let field else { return decimals.append(.zero) }
            let value = field.withUnsafeBufferPointer { try? ExactDecimal.parse(utf8: $0) }
            guard let decimal = value else {
                throw CostStoreError(
                    .corrupt,
                    "column \(column.name): '\(String(decoding: field, as: UTF8.self))' is not an exact decimal"
                )
            }
            decimals.append(decimal)
        case .timestamp:
            nulls.append(field == nil)
            guard let field else { return times.append(0) }
            let text = String(decoding: field, as: UTF8.self)
            guard let micros = column.isFocus ? Int64(text) : Timestamp(text)?.microsecondsSinceEpoch else {
                throw CostStoreError(.corrupt, "column \(column.name): '\(text)' is not a time")
            }
            times.append(micros)
        }
    }

    private func intern(_ text: String) -> UInt32 {
        if let code = lookup[text] { return code }
        let code = UInt32(dictionary.count)
        dictionary.append(text)
        lookup[text] = code
        return code
    }

    func build() -> CostTable.ColumnData {
        switch column.kind {
        case .string: .string(StringColumn(codes: codes, dictionary: dictionary))
        case .tags: .tags(TagColumn(codes: codes, sets: sets))
        case .decimal: .decimal(DecimalColumn(values: decimals, nulls: nulls.containsNull ? nulls : nil))
        case .timestamp: .timestamp(TimestampColumn(values: times, nulls: nulls.containsNull ? nulls : nil))
        }
    }
}
