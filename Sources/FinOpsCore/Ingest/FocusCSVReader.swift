import Dispatch

/// Options for reading a FOCUS export.
public struct FocusReadOptions: Sendable {
    /// The number of rows per ``CostTable`` batch; memory is bounded by it whatever the file size.
    public var batchSize: Int
    /// Whether rows with errors are set aside (``FocusBatch/rejected``) instead of stopping the read.
    public var skipInvalidRows: Bool
    /// Columns whose absence from the header is an error: by default the FOCUS 1.2 mandatory columns.
    public var requiredColumns: [String]
    /// Bytes of the file held per batch (two such buffers are used); a batch ends early when its buffer is full.
    /// A longer record grows the buffer.
    public var bufferSize: Int
    /// How many threads may split one buffer's records between them; 1 scans on one thread only. Row order, line
    /// and row numbers and errors are the same whatever the number. By default (`nil`) one per core from four
    /// cores on: with fewer, scanning the next buffer on one thread already keeps pace with converting this one.
    public var scanThreads: Int?

    /// Creates options.
    public init(
        batchSize: Int = 65_536,
        skipInvalidRows: Bool = false,
        requiredColumns: [String] = FocusSchema.mandatoryColumns.map(\.name),
        bufferSize: Int = 16 << 20
    ) {
        precondition(batchSize > 0, "batchSize must be positive")
        precondition(bufferSize > 0, "bufferSize must be positive")
        self.bufferSize = bufferSize
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
///
/// Each batch is split into records first, then converted column by column, several columns at once.
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
    private let specs: [ColumnSpec]
    private var records = RecordBatch()
    private var pendingFailure: CSVScanner.Failure?
    private var finished = false
    /// The next batch, being scanned on another thread while this one converts.
    private var ahead: ScanAhead?
    private var bytesConsumed: Int64 = 0
    /// Per column, the text values of earlier batches, while ``readTable()`` builds one table; `nil` otherwise.
    private var carriedStrings: [ColumnConverter.CarriedStrings]?
    private var batchesRead = 0

    private final class ScanAhead: @unchecked Sendable {
        // Written by the scanning thread before it signals `done`, read by the reader after waiting on it.
        var batch = RecordBatch()
        var error: IngestError?
        let done = DispatchSemaphore(value: 0)
    }

    deinit {
        // A scan still running ahead uses the scanner's buffers.
        ahead?.done.wait()
    }

    /// Opens an export and reads its header.
    ///
    /// - Throws: ``IngestError`` if the file cannot be read, has no header, repeats a column or lacks a required
    ///   column.
    public init(path: String, options: FocusReadOptions = FocusReadOptions()) throws(IngestError) {
        self.path = path
        self.options = options
        self.input = try FileInput(path: path)
        self.scanner = CSVScanner(
            input: input,
            bufferSize: options.bufferSize,
            threads: max(1, options.scanThreads ?? (CSVScanner.cores >= 4 ? CSVScanner.cores : 1))
        )
        try scanner.skipByteOrderMark()
        let cells: [[UInt8]]
        switch try scanner.header() {
        case .success(let header)?:
            cells = header
        case nil:
            throw IngestError(.emptyFile, IngestIssue(file: path, message: "the file has no header"))
        case .failure(let failure)?:
            throw IngestError(
                .badQuoting,
                IngestIssue(file: path, line: failure.line, message: "header: \(failure.message)")
            )
        }
        var resolved: [HeaderResolution] = []
        var headers: [String] = []
        for cell in cells {
            guard let text = String(validating: cell, as: UTF8.self) else {
                throw IngestError(
                    .invalidText,
                    IngestIssue(file: path, line: 1, message: "the header is not valid UTF-8")
                )
            }
            let resolution = FocusSchema.resolve(header: text)
            resolved.append(resolution)
            headers.append(text.trimmingASCIIWhitespace())
        }
        header = resolved
        specs = zip(headers, resolved).map { ColumnSpec(header: $0, resolution: $1) }
        try validateHeader(headers)
    }

    /// How far into the file reading has got, and the file's size, in bytes on disk.
    public var progress: (bytesRead: Int64, fileSize: Int64) {
        (bytesConsumed, input.fileSize)
    }

    /// Reads the next batch; `nil` after the last.
    ///
    /// - Throws: ``IngestError`` for the first row with an error, unless rows with errors are skipped.
    public func nextBatch() throws(IngestError) -> FocusBatch? {
        while !finished {
            var rejected: [RejectedRow] = []
            if let failure = pendingFailure {
                pendingFailure = nil
                try reject(scanFailure(failure), text: failure.text, into: &rejected)
            }
            try takeScannedBatch()
            pendingFailure = records.failure
            if records.count == 0 && pendingFailure == nil && scanner.isExhausted { finished = true }
            if !(records.count == 0 && pendingFailure == nil && scanner.isExhausted) { scanAhead() }
            let table = try convert(&rejected)
            if table.rowCount > 0 || !rejected.isEmpty {
                batchesRead += 1
                return FocusBatch(table: table, rejected: rejected)
            }
        }
        return nil
    }

    /// Makes the next scanned batch current: the one scanned ahead, or one scanned now.
    private func takeScannedBatch() throws(IngestError) {
        if let ahead {
            self.ahead = nil
            ahead.done.wait()
            if let error = ahead.error {
                finished = true
                throw error
            }
            records = ahead.batch
        } else {
            try scanner.scanBatch(maxRows: options.batchSize, columns: specs.count, into: &records)
        }
        bytesConsumed = scanner.bytesConsumed
    }

    /// Starts scanning the following batch into the scanner's other buffer; the current batch stays valid.
    private func scanAhead() {
        let job = ScanAhead()
        job.batch = RecordBatch()
        let scanner = UncheckedSendable(self.scanner)
        let maxRows = options.batchSize
        let columns = specs.count
        // Only this job touches the scanner until `takeScannedBatch` has waited for it.
        DispatchQueue.global().async {
            do throws(IngestError) {
                try scanner.value.scanBatch(maxRows: maxRows, columns: columns, into: &job.batch)
            } catch {
                job.error = error
            }
            job.done.signal()
        }
        ahead = job
    }

    /// Reads the rest of the file into one table, reserving room from the first batch's share of the file.
    ///
    /// With ``FocusReadOptions/skipInvalidRows``, rejected rows are left out and counted in ``rejectedRowCount``.
    /// - Throws: ``IngestError`` for the first row with an error, unless rows with errors are skipped.
    public func readTable() throws(IngestError) -> CostTable {
        let builder = CostTable.Builder()
        // From the first batch on, batches share their text dictionaries: each lists only its new values.
        let continuing = batchesRead == 0
        if continuing { carriedStrings = specs.map { _ in ColumnConverter.CarriedStrings() } }
        defer { carriedStrings = nil }
        var reserved = false
        while let batch = try nextBatch() {
            builder.append(batch.table, continuingDictionaries: continuing)
            let (read, size) = progress
            if !reserved, read > 0, size > read {
                reserved = true
                builder.reserveCapacity(Int(Double(builder.count) * Double(size) / Double(read) * 1.02) + 1024)
            }
        }
        return builder.build()
    }

    private func scanFailure(_ failure: CSVScanner.Failure) -> IngestError {
        var issue = IngestIssue(file: path, row: failure.row, line: failure.line, message: failure.message)
        if let field = failure.field, field >= 1, field <= specs.count { issue.column = specs[field - 1].header }
        return IngestError(failure.isFieldCount ? .wrongFieldCount : .badQuoting, issue)
    }

    private func reject(_ error: IngestError, text: String, into rejected: inout [RejectedRow]) throws(IngestError) {
        guard options.skipInvalidRows else {
            finished = true
            throw error
        }
        rejectedRowCount += 1
        rejected.append(RejectedRow(error: error, text: text))
    }

    // MARK: - Conversion

    private func convert(_ rejected: inout [RejectedRow]) throws(IngestError) -> CostTable {
        let count = records.count
        guard count > 0 else { return CostTable(rowCount: 0, columns: []) }
        var outcomes = convertColumns()
        // The first error of each row, in column order; then rows whose periods end before they start.
        var rowErrors: [Int: IngestError] = [:]
        for outcome in outcomes {
            for (row, error) in outcome.errors where rowErrors[row] == nil { rowErrors[row] = error }
        }
        checkPeriods(outcomes, into: &rowErrors)
        if !rowErrors.isEmpty && options.skipInvalidRows {
            // Again for the warnings only, without those of the rejected rows, which are never stored (rare: only
            // batches with rejected rows pay for it). The data of the first pass stays: it alone lists the values
            // this batch added to carried dictionaries.
            let quiet = convertColumns(quietRows: Set(rowErrors.keys))
            for index in outcomes.indices { outcomes[index].warnings = quiet[index].warnings }
        }
        for outcome in outcomes { warnings.merge(outcome.warnings) }
        let columns = zip(specs, outcomes).map { CostTable.Column(name: $0.name, data: $1.data) }
        var table = CostTable(rowCount: count, columns: columns)
        if !rowErrors.isEmpty {
            for row in rowErrors.keys.sorted() {
                try reject(rowErrors[row]!, text: records.recordText(row: row), into: &rejected)
            }
            table = table.selecting(rows: (0..<count).filter { rowErrors[$0] == nil })
        }
        acceptedRowCount += table.rowCount
        return table
    }

    /// Moves a column's carried values out, so the converter holds the only reference and grows them in place.
    private func takeCarriedStrings(_ index: Int) -> ColumnConverter.CarriedStrings? {
        guard let carried = carriedStrings?[index] else { return nil }
        carriedStrings?[index] = ColumnConverter.CarriedStrings()
        return carried
    }

    private func convertColumns(quietRows: Set<Int> = []) -> [ColumnOutcome] {
        let records = self.records
        let specs = self.specs
        let path = self.path
        // Workers read the scanner's buffer, which does not change during conversion, and each touches only its
        // own converter.
        let converters = UncheckedSendable(UnsafeMutableBufferPointer<ColumnConverter>.allocate(capacity: specs.count))
        let buffer = UnsafePointer(records.base!)
        for index in specs.indices {
            (converters.value.baseAddress! + index).initialize(
                to: ColumnConverter(
                    spec: specs[index],
                    column: index,
                    path: path,
                    buffer: buffer,
                    batch: records,
                    carrying: takeCarriedStrings(index),
                    quietRows: quietRows
                )
            )
        }
        defer { converters.value.deallocate() }
        // A chunk of rows stays in cache while all its columns are converted.
        let chunk = 1_024
        for lower in stride(from: 0, to: records.count, by: chunk) {
            let rows = lower..<min(lower + chunk, records.count)
            if rows.count >= 256 {
                DispatchQueue.concurrentPerform(iterations: specs.count) { index in
                    converters.value[index].convert(rows)
                }
            } else {
                for index in specs.indices { converters.value[index].convert(rows) }
            }
        }
        return (0..<specs.count).map { index in
            var converter = (converters.value.baseAddress! + index).move()
            carriedStrings?[index] = converter.carriedStrings
            return converter.finish()
        }
    }

    private func checkPeriods(_ outcomes: [ColumnOutcome], into rowErrors: inout [Int: IngestError]) {
        for label in ["ChargePeriod", "BillingPeriod"] {
            guard let startIndex = specs.firstIndex(where: { $0.name == label + "Start" }),
                let endIndex = specs.firstIndex(where: { $0.name == label + "End" }),
                case .timestamp(let starts) = outcomes[startIndex].data,
                case .timestamp(let ends) = outcomes[endIndex].data
            else { continue }
            for row in 0..<records.count where ends.values[row] <= starts.values[row] && rowErrors[row] == nil {
                let start = Timestamp(microsecondsSinceEpoch: starts.values[row])
                let end = Timestamp(microsecondsSinceEpoch: ends.values[row])
                let value = records.fieldText(row: row, column: endIndex)
                rowErrors[row] = IngestError(
                    .invalidPeriod,
                    IngestIssue(
                        file: path,
                        row: records.rows[row],
                        line: records.lines[row],
                        column: specs[endIndex].header,
                        value: value,
                        message: "\(label)End \(end) is not after \(label)Start \(start)"
                    )
                )
            }
        }
    }

    // MARK: - Header

    private func validateHeader(_ cells: [String]) throws(IngestError) {
        var seen: [String: String] = [:]
        for (index, resolution) in header.enumerated() {
            let cell = cells[index]
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
}

/// A value that crosses threads where the code guarantees safe use (documented at each use).
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value

    init(_ value: Value) {
        self.value = value
    }
}
