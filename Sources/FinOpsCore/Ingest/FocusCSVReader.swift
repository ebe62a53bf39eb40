/// Options for reading a FOCUS export.
public struct FocusReadOptions: Sendable {
    /// The number of rows per ``CostTable`` batch; memory is bounded by it whatever the file size.
    public var batchSize: Int
    /// Whether rows with errors are set aside (``FocusBatch/rejected``) instead of stopping the read.
    public var skipInvalidRows: Bool
    /// Columns whose absence from the header is an error: by default the FOCUS 1.2 mandatory columns.
    public var requiredColumns: [String]

    /// Creates options.
    public init(
        batchSize: Int = 65_536,
        skipInvalidRows: Bool = false,
        requiredColumns: [String] = FocusSchema.mandatoryColumns.map(\.name)
    ) {
        precondition(batchSize > 0, "batchSize must be positive")
        self.batchSize = batchSize
        self.skipInvalidRows = skipInvalidRows
        self.requiredColumns = requiredColumns
    }
}

/// A row that was set aside, with the error that rejected it and its text as written.
public struct RejectedRow: Sendable {
    /// Why the row was rejected.
    public var error: IngestError
    /// The row as written in the file.
    public var text: String
}

/// One batch of rows read from an export.
public struct FocusBatch: Sendable {
    /// The accepted rows.
    public var table: CostTable
    /// The rows set aside in this batch (only with ``FocusReadOptions/skipInvalidRows``).
    public var rejected: [RejectedRow]
}

/// Reads a FOCUS CSV export (plain or gzip) as batches of typed, validated columns.
///
/// Errors (a row that cannot be read or would corrupt cost semantics) stop the read, or set the row aside with
/// ``FocusReadOptions/skipInvalidRows``. Warnings (breaches of the specification the data can be used with)
/// are counted in ``warnings``. Every finding names the file, row, line, column and value.
public final class FocusCSVReader {
    /// The file being read.
    public let path: String
    /// How each header cell was resolved to a column.
    public let header: [HeaderResolution]
    /// The warnings so far.
    public private(set) var warnings = IngestWarnings()
    /// The rows accepted so far.
    public private(set) var acceptedRowCount = 0
    /// The rows set aside so far.
    public private(set) var rejectedRowCount = 0

    private let options: FocusReadOptions
    private let scanner: CSVScanner
    private let input: FileInput
    private var slots: [Slot] = []
    private var rowsInBatch = 0
    private var dataRow = 0
    private var finished = false
    private var periodColumns: (charge: (Int, Int)?, billing: (Int, Int)?) = (nil, nil)

    private enum Builder {
        case string(StringColumnBuilder)
        case decimal(DecimalColumnBuilder)
        case timestamp(TimestampColumnBuilder)
        case tags(TagColumnBuilder)
    }

    private struct Slot {
        var header: String
        var name: String
        var column: FocusColumn?
        var builder: Builder
        /// A null here makes the row unusable (currency, periods, category).
        var nullIsError: Bool
        /// A value outside the allowed values makes the row unusable.
        var disallowedIsError: Bool
    }

    private static let nullIsErrorColumns: Set<String> = [
        "BillingCurrency", "ChargeCategory", "ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart",
        "BillingPeriodEnd",
    ]

    /// Opens an export and reads its header.
    ///
    /// - Throws: ``IngestError`` if the file cannot be read, has no header, repeats a column or lacks a required
    ///   column.
    public init(path: String, options: FocusReadOptions = FocusReadOptions()) throws(IngestError) {
        self.path = path
        self.options = options
        self.input = try FileInput(path: path)
        self.scanner = CSVScanner(input: input)
        try scanner.skipByteOrderMark()
        switch try scanner.nextRecord() {
        case .success(true): break
        case .success(false): throw IngestError(.emptyFile, IngestIssue(file: path, message: "the file has no header"))
        case .failure(let failure):
            throw IngestError(
                .badQuoting,
                IngestIssue(file: path, line: failure.line, message: "header: \(failure.message)")
            )
        }
        var resolved: [HeaderResolution] = []
        for field in scanner.fields {
            let bytes = scanner.bytes(of: field)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw IngestError(
                    .invalidText,
                    IngestIssue(file: path, line: 1, message: "the header is not valid UTF-8")
                )
            }
            resolved.append(FocusSchema.resolve(header: text))
        }
        header = resolved
        try validateHeader()
        slots = makeSlots()
        periodColumns = (
            pair("ChargePeriodStart", "ChargePeriodEnd"), pair("BillingPeriodStart", "BillingPeriodEnd")
        )
    }

    /// How far into the file reading has got, and the file's size, in bytes on disk.
    public var progress: (bytesRead: Int64, fileSize: Int64) {
        (scanner.bytesConsumed, input.fileSize)
    }

    /// Reads the next batch; `nil` after the last.
    ///
    /// - Throws: ``IngestError`` for the first row with an error, unless rows with errors are skipped.
    public func nextBatch() throws(IngestError) -> FocusBatch? {
        guard !finished else { return nil }
        var rejected: [RejectedRow] = []
        while rowsInBatch < options.batchSize {
            let outcome = try scanner.nextRecord()
            switch outcome {
            case .success(false):
                finished = true
            case .success(true):
                if scanner.fields.count == 1, scanner.fields[0].start == scanner.fields[0].end,
                    !scanner.fields[0].quoted
                {
                    continue
                }
                dataRow += 1
                if let error = readRow() {
                    rollBack()
                    try reject(error, into: &rejected)
                } else {
                    rowsInBatch += 1
                    acceptedRowCount += 1
                }
            case .failure(let failure):
                dataRow += 1
                let error = IngestError(
                    .badQuoting,
                    IngestIssue(file: path, row: dataRow, line: failure.line, message: failure.message)
                )
                try reject(error, into: &rejected)
            }
            if finished { break }
        }
        if rowsInBatch == 0 && rejected.isEmpty && finished { return nil }
        let table = finishBatch()
        return FocusBatch(table: table, rejected: rejected)
    }

    private func reject(_ error: IngestError, into rejected: inout [RejectedRow]) throws(IngestError) {
        guard options.skipInvalidRows else {
            finished = true
            throw error
        }
        rejectedRowCount += 1
        rejected.append(RejectedRow(error: error, text: scanner.recordText))
    }

    // MARK: - Header

    private func validateHeader() throws(IngestError) {
        var seen: [String: String] = [:]
        for (index, resolution) in header.enumerated() {
            let cell = headerCell(index)
            if let previous = seen[resolution.name] {
                throw IngestError(
                    .duplicateColumn,
                    IngestIssue(
                        file: path,
                        line: 1,
                        column: cell,
                        message:
                            "header cells \(jsonQuoted(previous)) and \(jsonQuoted(cell)) both name column \(resolution.name)"
                    )
                )
            }
            seen[resolution.name] = cell
            switch resolution.note {
            case .renamed(let old)?:
                warnings.record(.renamedColumn, column: resolution.name) {
                    IngestIssue(
                        file: path,
                        line: 1,
                        column: old,
                        message: "\(old) is read as FOCUS 1.2 \(resolution.name)"
                    )
                }
            case .caseCorrected(let old)?:
                warnings.record(.columnNameCase, column: resolution.name) {
                    IngestIssue(file: path, line: 1, column: old, message: "\(old) is read as \(resolution.name)")
                }
            case .notFocus?:
                warnings.record(.nonFocusColumn, column: resolution.name) {
                    IngestIssue(
                        file: path,
                        line: 1,
                        column: resolution.name,
                        message: "not a FOCUS column and without the x_ prefix; kept as text"
                    )
                }
            case nil:
                break
            }
        }
        let missing = options.requiredColumns.filter { seen[$0] == nil }
        if !missing.isEmpty {
            throw IngestError(
                .missingColumn,
                IngestIssue(
                    file: path,
                    line: 1,
                    column: missing[0],
                    message:
                        "missing mandatory column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))"
                )
            )
        }
    }

    private func headerCell(_ index: Int) -> String {
        switch header[index].note {
        case .renamed(let old)?, .caseCorrected(let old)?: old
        default: header[index].name
        }
    }

    private func pair(_ start: String, _ end: String) -> (Int, Int)? {
        guard let lower = header.firstIndex(where: { $0.name == start }),
            let upper = header.firstIndex(where: { $0.name == end })
        else { return nil }
        return (lower, upper)
    }

    private func makeSlots() -> [Slot] {
        header.enumerated().map { index, resolution in
            Slot(
                header: headerCell(index),
                name: resolution.name,
                column: resolution.column,
                builder: makeBuilder(resolution.column),
                nullIsError: Self.nullIsErrorColumns.contains(resolution.name),
                disallowedIsError: resolution.name == "ChargeCategory"
            )
        }
    }

    private func makeBuilder(_ column: FocusColumn?) -> Builder {
        let capacity = options.batchSize
        switch column?.dataType {
        case .decimal?: return .decimal(DecimalColumnBuilder(capacity: capacity))
        case .dateTime?: return .timestamp(TimestampColumnBuilder(capacity: capacity))
        case .tags?: return .tags(TagColumnBuilder(capacity: capacity))
        case .string?, .keyValue?, nil:
            return .string(StringColumnBuilder(allowedValues: column?.allowedValues, capacity: capacity))
        }
    }

    // MARK: - Rows

    private func readRow() -> IngestError? {
        let fields = scanner.fields
        guard fields.count == slots.count else {
            return IngestError(
                .wrongFieldCount,
                IngestIssue(
                    file: path,
                    row: dataRow,
                    line: scanner.recordLine,
                    message: "the row has \(fields.count) fields but the header has \(slots.count)"
                )
            )
        }
        for index in 0..<fields.count {
            let field = fields[index]
            let bytes = scanner.bytes(of: field)
            let isNull = bytes.isEmpty || (!field.quoted && isNullLiteral(bytes))
            if isNull {
                if let error = recordNull(slot: index, emptyQuoted: field.quoted) { return error }
                continue
            }
            if let error = append(bytes, slot: index) { return error }
        }
        return checkPeriods()
    }

    private func recordNull(slot index: Int, emptyQuoted: Bool) -> IngestError? {
        let slot = slots[index]
        if slot.nullIsError {
            return IngestError(.missingValue, issue(index, value: nil, "\(slot.name) must not be null"))
        }
        switch slot.builder {
        case .string(let builder): builder.appendNull()
        case .decimal(let builder): builder.appendNull()
        case .timestamp(let builder): builder.appendNull()
        case .tags(let builder): builder.appendNull()
        }
        if emptyQuoted, slot.column?.allowedValues != nil || slot.column?.isNullable == false {
            warnings.record(.emptyString, column: slot.name) {
                issue(index, value: "", "empty string where FOCUS asks for null; read as null")
            }
        } else if let column = slot.column, !column.isNullable {
            warnings.record(.nullInNonNullableColumn, column: slot.name) {
                issue(index, value: nil, "\(slot.name) is not nullable in FOCUS \(FocusSchema.version)")
            }
        }
        return nil
    }

    private func append(_ bytes: UnsafeBufferPointer<UInt8>, slot index: Int) -> IngestError? {
        switch slots[index].builder {
        case .string(let builder):
            guard let status = builder.append(bytes) else {
                return IngestError(.invalidText, issue(index, value: text(bytes), "not valid UTF-8"))
            }
            if status != .allowed { return classify(status, bytes: bytes, slot: index) }
        case .decimal(let builder):
            do {
                try builder.append(bytes)
            } catch {
                return IngestError(.invalidNumber, issue(index, value: text(bytes), error.description))
            }
        case .timestamp(let builder):
            if !builder.append(bytes) {
                return IngestError(.invalidTimestamp, issue(index, value: text(bytes), "not an ISO 8601 timestamp"))
            }
        case .tags(let builder):
            switch builder.append(bytes) {
            case .success(let parsed):
                if parsed.hasNestedValue {
                    warnings.record(.nestedTagValue, column: slots[index].name) {
                        issue(index, value: text(bytes), "a tag value is an object or array; kept as JSON text")
                    }
                }
            case .failure(let failure):
                return IngestError(.invalidTags, issue(index, value: text(bytes), failure.message))
            }
        }
        return nil
    }

    private func classify(_ status: ValueStatus, bytes: UnsafeBufferPointer<UInt8>, slot index: Int) -> IngestError? {
        let slot = slots[index]
        let allowed = (slot.column?.allowedValues ?? []).joined(separator: ", ")
        if slot.disallowedIsError {
            return IngestError(
                .disallowedValue,
                issue(index, value: text(bytes), "\(slot.name) must be one of \(allowed)")
            )
        }
        let kind: IngestWarningKind = status == .wrongCase ? .wrongCase : .valueNotAllowed
        warnings.record(kind, column: slot.name) {
            issue(index, value: text(bytes), "not one of the allowed values \(allowed); stored as written")
        }
        return nil
    }

    private func checkPeriods() -> IngestError? {
        for (pair, label) in [(periodColumns.charge, "ChargePeriod"), (periodColumns.billing, "BillingPeriod")] {
            guard let (startIndex, endIndex) = pair,
                case .timestamp(let startBuilder) = slots[startIndex].builder,
                case .timestamp(let endBuilder) = slots[endIndex].builder,
                let start = startBuilder.values.last, let end = endBuilder.values.last
            else { continue }
            if end <= start {
                let startText = Timestamp(microsecondsSinceEpoch: start).description
                let endText = Timestamp(microsecondsSinceEpoch: end).description
                return IngestError(
                    .invalidPeriod,
                    issue(
                        endIndex,
                        value: text(scanner.bytes(of: scanner.fields[endIndex])),
                        "\(label)End \(endText) is not after \(label)Start \(startText)"
                    )
                )
            }
        }
        return nil
    }

    private func rollBack() {
        for slot in slots {
            switch slot.builder {
            case .string(let builder): builder.truncate(to: rowsInBatch)
            case .decimal(let builder): builder.truncate(to: rowsInBatch)
            case .timestamp(let builder): builder.truncate(to: rowsInBatch)
            case .tags(let builder): builder.truncate(to: rowsInBatch)
            }
        }
    }

    private func finishBatch() -> CostTable {
        let columns = slots.map { slot -> CostTable.Column in
            let data: CostTable.ColumnData =
                switch slot.builder {
                case .string(let builder): .string(builder.finish())
                case .decimal(let builder): .decimal(builder.finish())
                case .timestamp(let builder): .timestamp(builder.finish())
                case .tags(let builder): .tags(builder.finish())
                }
            return CostTable.Column(name: slot.name, data: data)
        }
        let table = CostTable(rowCount: rowsInBatch, columns: columns)
        rowsInBatch = 0
        for index in slots.indices { slots[index].builder = makeBuilder(slots[index].column) }
        return table
    }

    private func issue(_ index: Int, value: String?, _ message: String) -> IngestIssue {
        IngestIssue(
            file: path,
            row: dataRow,
            line: scanner.recordLine,
            column: slots[index].header,
            value: value,
            message: message
        )
    }

    private func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

@inline(__always)
private func isNullLiteral(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    guard bytes.count == 4 else { return false }
    let upper = bytes[0] == 0x4E && bytes[1] == 0x55 && bytes[2] == 0x4C && bytes[3] == 0x4C
    return upper || (bytes[0] == 0x6E && bytes[1] == 0x75 && bytes[2] == 0x6C && bytes[3] == 0x6C)
}
