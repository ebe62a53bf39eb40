#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one column of an export is read.
struct ColumnSpec: Sendable {
    enum Kind: Sendable {
        case string
        case decimal
        case timestamp
        case tags
    }

    /// The header cell as written.
    var header: String
    /// The stored name (the FOCUS 1.2 ID for FOCUS columns).
    var name: String
    var kind: Kind
    var allowedValues: [String]?
    /// A null here is a warning (the specification says not nullable).
    var warnsOnNull: Bool
    /// A null here makes the row unusable (currency, periods, category).
    var nullIsError: Bool
    /// A value outside the allowed values makes the row unusable.
    var disallowedIsError: Bool
    /// An empty quoted string here is reported (enumerated or not-nullable columns).
    var warnsOnEmptyString: Bool

    init(header: String, resolution: HeaderResolution) {
        self.header = header
        self.name = resolution.name
        let column = resolution.column
        switch column?.dataType {
        case .decimal?: kind = .decimal
        case .dateTime?: kind = .timestamp
        case .tags?: kind = .tags
        case .string?, .keyValue?, nil: kind = .string
        }
        allowedValues = column?.allowedValues
        nullIsError = ColumnSpec.nullIsErrorColumns.contains(resolution.name)
        warnsOnNull = column.map { !$0.isNullable } ?? false
        disallowedIsError = resolution.name == "ChargeCategory"
        warnsOnEmptyString = column.map { $0.allowedValues != nil || !$0.isNullable } ?? false
    }

    static let nullIsErrorColumns: Set<String> = [
        "BillingCurrency", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart",
        "BillingPeriodEnd",
    ]
}

/// What converting one column of a batch produced.
struct ColumnOutcome {
    var data: CostTable.ColumnData
    /// Rows (batch indices) that cannot be stored, with the reason, in row order.
    var errors: [(row: Int, error: IngestError)] = []
    var warnings = IngestWarnings()
}

/// Converts one column of a batch of records from bytes to typed values in tight loops, a chunk of rows at a
/// time so the chunk's bytes stay in cache while every column is converted; columns are independent, so several
/// convert at once.
struct ColumnConverter {
    let spec: ColumnSpec
    let column: Int
    let path: String
    let buffer: UnsafePointer<UInt8>
    let batch: RecordBatch
    private var scratch: UnsafeMutablePointer<UInt8>?
    private var scratchCapacity = 0
    private var outcomeErrors: [(row: Int, error: IngestError)] = []
    /// Rows whose warnings are not reported: they are rejected for an error.
    private let quietRows: Set<Int>
    private var warnings = IngestWarnings()
    private var strings = StringState()
    private var decimals = DecimalState()
    private var timestamps = TimestampState()
    private var tags = TagState()

    /// Text values seen in earlier batches of the same file.
    ///
    /// A converter that carries them on gives each value the code it had before and lists only the new values in
    /// its dictionary, so a reader that builds one table interns each value once.
    struct CarriedStrings {
        fileprivate var interner = ByteInterner()
        fileprivate var statuses: [ValueStatus] = []
    }

    init(
        spec: ColumnSpec,
        column: Int,
        path: String,
        buffer: UnsafePointer<UInt8>,
        batch: RecordBatch,
        carrying carried: CarriedStrings? = nil,
        quietRows: Set<Int> = []
    ) {
        self.quietRows = quietRows
        self.spec = spec
        self.column = column
        self.path = path
        self.buffer = buffer
        self.batch = batch
        if spec.kind == .string {
            strings.allowed = spec.allowedValues.map(Set.init)
            strings.allowedLowercased = Set((spec.allowedValues ?? []).map { $0.lowercased() })
            if let carried {
                strings.interner = carried.interner
                strings.statuses = carried.statuses
            }
        }
    }

    /// The text values seen so far, for the converter of the next batch.
    var carriedStrings: CarriedStrings {
        CarriedStrings(interner: strings.interner, statuses: strings.statuses)
    }

    /// Converts the rows in `rows`, which follow the rows converted before.
    mutating func convert(_ rows: Range<Int>) {
        switch spec.kind {
        case .string: convertStrings(rows)
        case .decimal: convertDecimals(rows)
        case .timestamp: convertTimestamps(rows)
        case .tags: convertTags(rows)
        }
    }

    /// The column, its row errors and its warnings.
    mutating func finish() -> ColumnOutcome {
        scratch?.deallocate()
        scratch = nil
        let data: CostTable.ColumnData =
            switch spec.kind {
            case .string: .string(StringColumn(codes: strings.codes, dictionary: strings.dictionary))
            case .decimal: .decimal(DecimalColumn(values: decimals.values, nulls: decimals.nulls))
            case .timestamp: .timestamp(TimestampColumn(values: timestamps.values, nulls: timestamps.nulls))
            case .tags:
                .tags(
                    TagColumn(
                        codes: tags.codes,
                        sets: tags.parsed.map { result -> TagSet in
                            if case .success(let value) = result { return value.tags }
                            return TagSet()
                        }
                    )
                )
            }
        return ColumnOutcome(data: data, errors: outcomeErrors, warnings: warnings)
    }

    private struct StringState {
        var interner = ByteInterner()
        var dictionary: [String] = []
        var statuses: [ValueStatus] = []
        var codes: [UInt32] = []
        var allowed: Set<String>?
        var allowedLowercased: Set<String> = []
        var last: UnsafePointer<UInt8>?
        var lastCount = 0
        var lastCode: UInt32 = 0
    }

    private struct DecimalState {
        var values: [ExactDecimal] = []
        var nulls: NullMask?
    }

    private struct TimestampState {
        var values: [Int64] = []
        var nulls: NullMask?
        var last: [UInt8] = []
        var lastValue: Int64 = 0
    }

    private struct TagState {
        var interner = ByteInterner()
        var parsed: [Result<TagsParser.Result, TagsParser.Failure>] = []
        var codes: [UInt32] = []
    }

    // MARK: - Fields

    /// The bytes of the field in row `row`, or `nil` for null (empty, or unquoted `NULL`/`null`).
    @inline(__always)
    private mutating func field(_ row: Int) -> UnsafeBufferPointer<UInt8>? {
        let index = row &* batch.columns &+ column
        let lower = Int(batch.starts[index])
        let upper = Int(batch.ends[index])
        let flags = batch.flags[index]
        if upper == lower {
            if flags & 1 != 0 && spec.warnsOnEmptyString {
                warn(.emptyString, row: row, value: "", "empty string where FOCUS asks for null; read as null")
            } else if spec.warnsOnNull && !spec.nullIsError {
                warnNotNullable(row)
            }
            return nil
        }
        let start = buffer + lower
        if flags == 0, upper - lower == 4, isNullLiteral(start) {
            if spec.warnsOnNull && !spec.nullIsError {
                warnNotNullable(row)
            }
            return nil
        }
        guard flags & 2 != 0 else { return UnsafeBufferPointer(start: start, count: upper - lower) }
        if scratchCapacity < upper - lower {
            scratch?.deallocate()
            scratchCapacity = max(upper - lower, 256)
            scratch = .allocate(capacity: scratchCapacity)
        }
        let target = scratch!
        var position = lower
        var count = 0
        while position < upper {
            let byte = buffer[position]
            target[count] = byte
            count += 1
            position += byte == UInt8(ascii: "\"") ? 2 : 1
        }
        return UnsafeBufferPointer(start: target, count: count)
    }

    private mutating func fail(_ row: Int, _ code: IngestError.Code, value: String?, _ message: String) {
        outcomeErrors.append((row, IngestError(code, site(row).issue(value: value, message))))
    }

    /// Counts a warning; its issue (value and message text included) is only built while examples are kept, so a
    /// breach repeated on millions of rows costs a counter increment each.
    private mutating func warn(
        _ kind: IngestWarningKind,
        row: Int,
        value: @autoclosure () -> String?,
        _ message: @autoclosure () -> String
    ) {
        if !quietRows.isEmpty, quietRows.contains(row) { return }
        let site = site(row)
        warnings.record(kind, column: spec.name) { site.issue(value: value(), message()) }
    }

    private mutating func warnNotNullable(_ row: Int) {
        let name = spec.name
        warn(.nullInNonNullableColumn, row: row, value: nil, "\(name) is not nullable in FOCUS \(FocusSchema.version)")
    }

    /// Where a row's findings are: file, row, line and column.
    private struct Site {
        var file: String
        var row: Int
        var line: Int
        var column: String

        func issue(value: String?, _ message: String) -> IngestIssue {
            IngestIssue(file: file, row: row, line: line, column: column, value: value, message: message)
        }
    }

    private func site(_ row: Int) -> Site {
        Site(file: path, row: batch.rows[row], line: batch.lines[row], column: spec.header)
    }

    private mutating func nullValue(_ row: Int) {
        if spec.nullIsError { fail(row, .missingValue, value: nil, "\(spec.name) must not be null") }
    }

    // MARK: - Types

    private mutating func convertStrings(_ rows: Range<Int>) {
        var state = strings
        strings = StringState()
        defer { strings = state }
        if rows.lowerBound == 0 { state.codes.reserveCapacity(batch.count) }
        for row in rows {
            guard let bytes = field(row) else {
                state.codes.append(StringColumn.nullCode)
                nullValue(row)
                continue
            }
            // Many columns repeat the previous row's value; that needs no hashing. (Only values in the batch's
            // buffer are remembered: unescaped copies in the scratch space do not last.)
            if bytes.count == state.lastCount, let last = state.last, memcmp(last, bytes.baseAddress!, bytes.count) == 0
            {
                state.codes.append(state.lastCode)
                let status = state.statuses[Int(state.lastCode)]
                if status != .allowed { classify(status, row: row, bytes: bytes) }
                continue
            }
            let (code, isNew) = state.interner.intern(bytes)
            if isNew {
                if let text = String(validating: bytes, as: UTF8.self) {
                    state.dictionary.append(text)
                    let status: ValueStatus
                    if let allowed = state.allowed, !allowed.contains(text) {
                        status = state.allowedLowercased.contains(text.lowercased()) ? .wrongCase : .notAllowed
                    } else {
                        status = .allowed
                    }
                    state.statuses.append(status)
                } else {
                    state.dictionary.append("")
                    state.statuses.append(.invalidText)
                }
            }
            state.codes.append(code)
            if UnsafeMutablePointer(mutating: bytes.baseAddress!) != scratch {
                state.last = bytes.baseAddress
                state.lastCount = bytes.count
                state.lastCode = code
            } else {
                state.last = nil
            }
            let status = state.statuses[Int(code)]
            if status != .allowed { classify(status, row: row, bytes: bytes) }
        }
    }

    private mutating func classify(_ status: ValueStatus, row: Int, bytes: UnsafeBufferPointer<UInt8>) {
        let allowed = spec.allowedValues ?? []
        if status == .invalidText {
            fail(row, .invalidText, value: String(decoding: bytes, as: UTF8.self), "not valid UTF-8")
        } else if spec.disallowedIsError {
            fail(
                row,
                .disallowedValue,
                value: String(decoding: bytes, as: UTF8.self),
                "\(spec.name) must be one of \(allowed.joined(separator: ", "))"
            )
        } else {
            warn(
                status == .wrongCase ? .wrongCase : .valueNotAllowed,
                row: row,
                value: String(decoding: bytes, as: UTF8.self),
                "not one of the allowed values \(allowed.joined(separator: ", ")); stored as written"
            )
        }
    }

    private mutating func convertDecimals(_ rows: Range<Int>) {
        var state = decimals
        decimals = DecimalState()
        defer { decimals = state }
        if rows.lowerBound == 0 { state.values.reserveCapacity(batch.count) }
        for row in rows {
            guard let bytes = field(row) else {
                markNull(&state.nulls, row: row)
                state.values.append(.zero)
                nullValue(row)
                continue
            }
            state.nulls?.append(false)
            switch ExactDecimal.parseResult(bytes) {
            case .success(let value):
                state.values.append(value)
            case .failure(let error):
                state.values.append(.zero)
                fail(row, .invalidNumber, value: String(decoding: bytes, as: UTF8.self), error.description)
            }
        }
    }

    private mutating func convertTimestamps(_ rows: Range<Int>) {
        var state = timestamps
        timestamps = TimestampState()
        defer { timestamps = state }
        if rows.lowerBound == 0 { state.values.reserveCapacity(batch.count) }
        for row in rows {
            guard let bytes = field(row) else {
                markNull(&state.nulls, row: row)
                state.values.append(0)
                nullValue(row)
                continue
            }
            state.nulls?.append(false)
            // Exports are usually sorted by time, so the previous parse is often reused.
            if bytes.count == state.last.count,
                state.last.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
            {
                state.values.append(state.lastValue)
                continue
            }
            guard let timestamp = Timestamp.parse(utf8: bytes) else {
                state.values.append(0)
                fail(row, .invalidTimestamp, value: String(decoding: bytes, as: UTF8.self), "not an ISO 8601 timestamp")
                continue
            }
            state.last = Array(bytes)
            state.lastValue = timestamp.microsecondsSinceEpoch
            state.values.append(state.lastValue)
        }
    }

    private mutating func convertTags(_ rows: Range<Int>) {
        var state = tags
        tags = TagState()
        defer { tags = state }
        if rows.lowerBound == 0 { state.codes.reserveCapacity(batch.count) }
        for row in rows {
            guard let bytes = field(row) else {
                state.codes.append(TagColumn.nullCode)
                continue
            }
            let (code, isNew) = state.interner.intern(bytes)
            if isNew { state.parsed.append(Result { () throws(TagsParser.Failure) in try TagsParser.parse(bytes) }) }
            switch state.parsed[Int(code)] {
            case .success(let result):
                state.codes.append(code)
                if result.hasNestedValue {
                    warn(
                        .nestedTagValue,
                        row: row,
                        value: String(decoding: bytes, as: UTF8.self),
                        "a tag value is an object or array; kept as JSON text"
                    )
                }
            case .failure(let failure):
                state.codes.append(TagColumn.nullCode)
                fail(row, .invalidTags, value: String(decoding: bytes, as: UTF8.self), failure.message)
            }
        }
    }
}

/// Marks a row null, creating the mask (all rows before not null) at the column's first null.
private func markNull(_ nulls: inout NullMask?, row: Int) {
    if nulls == nil { nulls = NullMask(count: row) }
    nulls!.append(true)
}

/// How a text value relates to a column's allowed values.
enum ValueStatus: UInt8 {
    case allowed
    case wrongCase
    case notAllowed
    case invalidText
}

@inline(__always)
private func isNullLiteral(_ bytes: UnsafePointer<UInt8>) -> Bool {
    let upper = bytes[0] == 0x4E && bytes[1] == 0x55 && bytes[2] == 0x4C && bytes[3] == 0x4C
    return upper || (bytes[0] == 0x6E && bytes[1] == 0x75 && bytes[2] == 0x6C && bytes[3] == 0x6C)
}
