#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The records of one batch: field offsets into the scanner's buffer, row by row.
///
/// Valid until the scanner's next ``CSVScanner/scanBatch(maxRows:columns:)``.
struct RecordBatch {
    /// The buffer the offsets point into.
    var base: UnsafeMutablePointer<UInt8>?
    /// The number of records.
    var count = 0
    /// The number of fields per record.
    var columns = 0
    /// For record `r` and field `c`, `starts[r * columns + c]..<ends[r * columns + c]` in the buffer.
    var starts: [Int32] = []
    var ends: [Int32] = []
    /// Bit 0: the field was quoted; bit 1: it contains escaped quotes (`""`).
    var flags: [UInt8] = []
    /// The 1-based line each record starts on, and its 1-based data row number.
    var lines: [Int] = []
    var rows: [Int] = []
    /// Where each record starts and ends in the buffer (for reject files).
    var recordStarts: [Int32] = []
    var recordEnds: [Int32] = []
    /// A record that could not be split into fields, which ended the batch.
    var failure: CSVScanner.Failure?
}

/// Splits RFC 4180 CSV into records and fields, a batch at a time, so memory is bounded by the batch rather than
/// the file.
///
/// Two buffers alternate: a batch's records stay valid while the next batch is scanned into the other buffer,
/// so scanning and converting can overlap.
///
/// Handles quoted fields with embedded commas, quotes (`""`) and newlines, CRLF or LF line ends, a UTF-8 byte
/// order mark, blank lines, and a last record without a line end.
final class CSVScanner {
    struct Failure: Error {
        var message: String
        var line: Int
        var row: Int
        var text: String
        var isFieldCount: Bool
        /// The field (1-based) the failure is in, when it is in one.
        var field: Int? = nil
    }

    enum Outcome {
        case record(next: Int, newlines: Int)
        case incomplete
        case failure(String, newlines: Int, field: Int?)
        /// A quote opened in `field`, after `newlinesBefore` line ends of the record, and never closed.
        case unclosedQuote(field: Int, newlinesBefore: Int, newlines: Int)
    }

    private let input: FileInput
    private(set) var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var spare: UnsafeMutablePointer<UInt8>
    private var spareCapacity: Int
    private(set) var start = 0
    private(set) var end = 0
    private(set) var atEOF = false
    private(set) var nextLine = 1
    private(set) var nextRow = 0

    /// The threads that may scan slices of one buffer at once, and the slices' arrays, kept between buffers.
    let threads: Int
    var slices: [ScanSlice] = []

    init(input: FileInput, bufferSize: Int, threads: Int = 1) {
        self.input = input
        self.threads = threads
        self.capacity = bufferSize
        self.buffer = .allocate(capacity: bufferSize)
        self.spareCapacity = bufferSize
        self.spare = .allocate(capacity: bufferSize)
    }

    deinit {
        buffer.deallocate()
        spare.deallocate()
    }

    /// How far into the file reading has got, in bytes on disk.
    var bytesConsumed: Int64 { input.bytesConsumed }

    /// Whether every record has been returned.
    var isExhausted: Bool { atEOF && start == end }

    /// Removes a UTF-8 byte order mark at the start of the file.
    func skipByteOrderMark() throws(IngestError) {
        try refill()
        if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF { start += 3 }
    }

    /// Reads the header record's cells.
    func header() throws(IngestError) -> Result<[[UInt8]], Failure>? {
        var batch = RecordBatch()
        try scanBatch(maxRows: 1, columns: nil, into: &batch)
        nextRow = 0
        if let failure = batch.failure { return .failure(failure) }
        guard batch.count == 1 else { return nil }
        return .success((0..<batch.columns).map { batch.fieldBytes(row: 0, column: $0) })
    }

    /// Splits up to `maxRows` records that are in the buffer (refilling it first) into `batch`.
    ///
    /// A record with a quoting error or, when `columns` is given, a different number of fields ends the batch and
    /// is returned as its ``RecordBatch/failure``; scanning resumes after it.
    func scanBatch(maxRows: Int, columns: Int?, into batch: inout RecordBatch) throws(IngestError) {
        batch.count = 0
        batch.failure = nil
        batch.starts.removeAll(keepingCapacity: true)
        batch.ends.removeAll(keepingCapacity: true)
        batch.flags.removeAll(keepingCapacity: true)
        batch.lines.removeAll(keepingCapacity: true)
        batch.rows.removeAll(keepingCapacity: true)
        batch.recordStarts.removeAll(keepingCapacity: true)
        batch.recordEnds.removeAll(keepingCapacity: true)
        switchBuffers()
        // Refilling may move the buffer (a long record grows it), so the batch points at it only once it is done.
        defer { batch.base = buffer }
        try refill()
        if let columns, end - start >= Self.parallelBytes, threads > 1 {
            let scanned = scanSlices(maxRows: maxRows, columns: columns, into: &batch)
            start = scanned.position
            nextLine = scanned.line
            nextRow = scanned.row
        }
        while batch.count < maxRows {
            let firstField = batch.starts.count
            let outcome = scan(from: start, into: &batch)
            switch outcome {
            case .record(let next, let newlines):
                let fieldCount = batch.starts.count - firstField
                let line = nextLine
                let recordStart = start
                nextLine += newlines
                start = next
                if fieldCount == 1, batch.ends[firstField] == batch.starts[firstField], batch.flags[firstField] == 0 {
                    batch.removeFields(from: firstField)
                    continue
                }
                nextRow += 1
                if let columns, fieldCount != columns {
                    batch.removeFields(from: firstField)
                    batch.failure = Failure(
                        message: "the row has \(fieldCount) fields but the header has \(columns)",
                        line: line,
                        row: nextRow,
                        text: text(from: recordStart, to: next),
                        isFieldCount: true
                    )
                    return
                }
                if batch.count == 0 { batch.columns = fieldCount }
                batch.lines.append(line)
                batch.rows.append(nextRow)
                batch.recordStarts.append(Int32(recordStart))
                batch.recordEnds.append(Int32(next))
                batch.count += 1
            case .failure, .unclosedQuote:
                var field: Int?
                var message: String
                var newlines: Int
                switch outcome {
                case .failure(let text, let count, let at):
                    (message, newlines, field) = (text, count, at)
                case .unclosedQuote(let at, let before, let count):
                    message =
                        "the quote that opens field \(at) on line \(nextLine + before) is not closed before the "
                        + "end of the file"
                    (newlines, field) = (count, at)
                default:
                    continue
                }
                batch.removeFields(from: firstField)
                let resume = resumePoint(after: start)
                if resume == end, !atEOF {
                    if batch.count > 0 { return }
                    try refill()
                    continue
                }
                nextRow += 1
                batch.failure = Failure(
                    message: message,
                    line: nextLine,
                    row: nextRow,
                    text: text(from: start, to: resume),
                    isFieldCount: false,
                    field: field
                )
                nextLine += max(newlines, 1)
                start = resume
                return
            case .incomplete:
                batch.removeFields(from: firstField)
                if atEOF || batch.count > 0 { return }
                try refill()
            }
        }
    }

    /// A record of the batch being scanned, as written, without its line end.
    private func text(from lower: Int, to upper: Int) -> String {
        var stop = upper
        while stop > lower, buffer[stop - 1] == 0x0A || buffer[stop - 1] == 0x0D { stop -= 1 }
        return String(decoding: UnsafeBufferPointer(start: buffer + lower, count: stop - lower), as: UTF8.self)
    }

    /// Continues in the other buffer, leaving the previous batch's records where they are.
    private func switchBuffers() {
        let unread = end - start
        if unread > spareCapacity {
            spare.deallocate()
            spareCapacity = max(unread, capacity)
            spare = .allocate(capacity: spareCapacity)
        }
        spare.update(from: buffer + start, count: unread)
        swap(&buffer, &spare)
        swap(&capacity, &spareCapacity)
        start = 0
        end = unread
    }

    /// Moves unread bytes to the front and reads until the buffer is full or the file ends.
    private func refill() throws(IngestError) {
        if start > 0 {
            memmove(buffer, buffer + start, end - start)
            end -= start
            start = 0
        }
        if end == capacity {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.update(from: buffer, count: end)
            buffer.deallocate()
            buffer = grown
            capacity *= 2
        }
        while end < capacity, !atEOF {
            let read = try input.read(into: buffer + end, count: capacity - end)
            if read == 0 { atEOF = true }
            end += read
        }
    }

    private func resumePoint(after position: Int) -> Int {
        guard let found = memchr(buffer + position, 0x0A, end - position) else { return end }
        return buffer.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
    }

    /// Appends the fields of the record at `position` to `batch`; the caller removes them unless it is complete.
    ///
    /// Reads the buffer up to `end`, where the data ends if `atEOF`; it only reads the scanner, so slices of one
    /// buffer can be scanned at once (see ``scanSlices(maxRows:columns:into:)``).
    private func scan(from position: Int, into batch: inout RecordBatch) -> Outcome {
        scan(from: position, end: end, atEOF: atEOF, into: &batch)
    }

    func scan(from position: Int, end: Int, atEOF: Bool, into batch: inout RecordBatch) -> Outcome {
        let firstField = batch.starts.count
        var index = position
        var newlines = 0
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        let lf: UInt8 = 0x0A
        let cr: UInt8 = 0x0D
        let buffer = self.buffer
        if index == end { return .incomplete }
        while true {
            var fieldStart = index
            var fieldEnd = index
            var flags: UInt8 = 0
            if index < end, buffer[index] == quote {
                let newlinesBefore = newlines
                flags = 1
                index += 1
                fieldStart = index
                while true {
                    guard let found = memchr(buffer + index, Int32(quote), end - index) else {
                        if atEOF {
                            var count = newlines
                            for scan in index..<end where buffer[scan] == lf { count += 1 }
                            return .unclosedQuote(
                                field: batch.starts.count - firstField + 1,
                                newlinesBefore: newlinesBefore,
                                newlines: count
                            )
                        }
                        return .incomplete
                    }
                    let quoteIndex = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    var scan = index
                    while scan < quoteIndex {
                        if buffer[scan] == lf { newlines += 1 }
                        scan += 1
                    }
                    if quoteIndex + 1 == end, !atEOF { return .incomplete }
                    if quoteIndex + 1 < end, buffer[quoteIndex + 1] == quote {
                        flags = 3
                        index = quoteIndex + 2
                        continue
                    }
                    fieldEnd = quoteIndex
                    index = quoteIndex + 1
                    break
                }
                if index < end {
                    let next = buffer[index]
                    if next != comma && next != lf && next != cr {
                        let field = batch.starts.count - firstField + 1
                        return .failure(
                            "unexpected character \(describe(next)) after the closing quote of field \(field)",
                            newlines: newlines,
                            field: field
                        )
                    }
                }
            } else {
                // Eight bytes at a time while none is a comma, quote, CR or LF.
                while index + 8 <= end {
                    let word = UnsafeRawPointer(buffer + index).loadUnaligned(as: UInt64.self)
                    if hasSpecialByte(word) { break }
                    index += 8
                }
                while index < end {
                    let byte = buffer[index]
                    if byte > quote && byte != comma {
                        index += 1
                        continue
                    }
                    if byte == comma || byte == lf || byte == cr { break }
                    if byte == quote {
                        let field = batch.starts.count - firstField + 1
                        return .failure("a quote inside unquoted field \(field)", newlines: newlines, field: field)
                    }
                    index += 1
                }
                fieldEnd = index
            }
            batch.starts.append(Int32(truncatingIfNeeded: fieldStart))
            batch.ends.append(Int32(truncatingIfNeeded: fieldEnd))
            batch.flags.append(flags)
            if index == end {
                guard atEOF else { return .incomplete }
                return .record(next: end, newlines: newlines + 1)
            }
            let separator = buffer[index]
            index += 1
            if separator == comma { continue }
            if separator == cr {
                if index == end, !atEOF { return .incomplete }
                if index < end, buffer[index] == lf { index += 1 }
            }
            return .record(next: index, newlines: newlines + 1)
        }
    }

    private func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}

/// Whether any byte of the word is `,`, `"`, CR or LF (the classic "has zero byte" bit trick).
@inline(__always)
private func hasSpecialByte(_ word: UInt64) -> Bool {
    let ones: UInt64 = 0x0101_0101_0101_0101
    let highs: UInt64 = 0x8080_8080_8080_8080
    @inline(__always) func hasZero(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
    return hasZero(word ^ (ones &* 0x2C)) || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x0A))
        || hasZero(word ^ (ones &* 0x0D))
}

extension RecordBatch {
    /// The bytes of a field, with `""` unescaped.
    func fieldBytes(row: Int, column: Int) -> [UInt8] {
        let index = row * columns + column
        let lower = Int(starts[index])
        let upper = Int(ends[index])
        var bytes: [UInt8] = []
        bytes.reserveCapacity(upper - lower)
        var position = lower
        while position < upper {
            let byte = base![position]
            bytes.append(byte)
            // Inside a field with escapes, `""` stands for one quote.
            position += flags[index] & 2 != 0 && byte == UInt8(ascii: "\"") ? 2 : 1
        }
        return bytes
    }

    /// The text of a field as written (with `""` unescaped).
    func fieldText(row: Int, column: Int) -> String {
        String(decoding: fieldBytes(row: row, column: column), as: UTF8.self)
    }

    /// A record as written, without its line end.
    func recordText(row: Int) -> String {
        let lower = Int(recordStarts[row])
        var upper = Int(recordEnds[row])
        while upper > lower, base![upper - 1] == 0x0A || base![upper - 1] == 0x0D { upper -= 1 }
        return String(decoding: UnsafeBufferPointer(start: base! + lower, count: upper - lower), as: UTF8.self)
    }
}
