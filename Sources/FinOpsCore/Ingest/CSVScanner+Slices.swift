import Dispatch
import Foundation

/// Splitting one buffer's records on all cores.
///
/// The buffer is cut into slices at line ends found by a plain search (no quote tracking), and each slice is scanned
/// on its own from there. A cut is only a guess: a line end may lie inside a quoted field. The guess is checked where
/// it matters: slices are taken in order, and a slice counts only if the one before it ended exactly at its start
/// (its last record ending at the cut) with no error. So the slices taken are exactly what a scan from the start
/// would have found, and everything after the first slice that does not fit (a wrong guess, a malformed record, a
/// wrong field count) is left to the sequential scan, which reports errors at their exact lines and rows.
extension CSVScanner {
    /// Buffers with fewer unread bytes are scanned on one core.
    static let parallelBytes = 1 << 20
    /// The smallest slice worth a thread.
    private static let sliceBytes = 256 << 10
    static let cores = ProcessInfo.processInfo.activeProcessorCount

    /// Scans the buffer's complete records on all cores into `batch` (empty on entry), at most `maxRows`; returns
    /// where the sequential scan goes on: the position after the last record taken, its line and its row.
    func scanSlices(maxRows: Int, columns: Int, into batch: inout RecordBatch) -> (position: Int, line: Int, row: Int) {
        let count = max(2, min(threads * 4, (end - start) / Self.sliceBytes))
        var cuts = [start]
        for index in 1..<count {
            let guess = max(start + (end - start) / count * index, cuts[cuts.count - 1])
            if let found = memchr(buffer + guess, 0x0A, end - guess) {
                cuts.append(buffer.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1)
            } else {
                cuts.append(end)
            }
        }
        cuts.append(end)
        let bounds = cuts
        // Each slice's arrays are kept from one buffer to the next, as the batch's are.
        if slices.count < count { slices += Array(repeating: ScanSlice(), count: count - slices.count) }
        let scanner = UncheckedSendable(self)
        slices.withUnsafeMutableBufferPointer { results in
            let shared = UncheckedSendable(results)
            DispatchQueue.concurrentPerform(iterations: count) { index in
                scanner.value.scanSlice(
                    into: &shared.value[index],
                    from: bounds[index],
                    to: bounds[index + 1],
                    isLast: index == count - 1,
                    maxRows: maxRows,
                    columns: columns
                )
            }
        }
        return merge(Array(slices.prefix(count)), cuts: cuts, maxRows: maxRows, columns: columns, into: &batch)
    }

    /// Scans the records from `lower` (a line start) up to `upper`, where the next slice starts.
    private func scanSlice(
        into slice: inout ScanSlice,
        from lower: Int,
        to upper: Int,
        isLast: Bool,
        maxRows: Int,
        columns: Int
    ) {
        slice.reset(at: lower)
        let eof = isLast && atEOF
        while slice.stop < upper {
            let position = slice.stop
            let firstField = slice.records.starts.count
            switch scan(from: position, end: upper, atEOF: eof, into: &slice.records) {
            case .record(let next, let newlines):
                let fieldCount = slice.records.starts.count - firstField
                if fieldCount == 1, slice.records.ends[firstField] == slice.records.starts[firstField],
                    slice.records.flags[firstField] == 0
                {
                    slice.records.removeFields(from: firstField)
                    slice.stop = next
                    slice.stopLines += newlines
                    continue
                }
                guard fieldCount == columns else {
                    slice.records.removeFields(from: firstField)
                    return
                }
                slice.linesBefore.append(slice.stopLines)
                slice.stopLines += newlines
                slice.linesAfter.append(slice.stopLines)
                slice.records.recordStarts.append(Int32(truncatingIfNeeded: position))
                slice.records.recordEnds.append(Int32(truncatingIfNeeded: next))
                slice.records.count += 1
                slice.stop = next
                if slice.records.count == maxRows {
                    slice.reachedEnd = next == upper
                    return
                }
            case .incomplete:
                slice.records.removeFields(from: firstField)
                // At the buffer's end a record may continue in the next read; anywhere else it crosses the cut.
                slice.reachedEnd = isLast
                return
            case .failure, .unclosedQuote:
                slice.records.removeFields(from: firstField)
                return
            }
        }
        slice.reachedEnd = true
        return
    }

    /// Takes the slices that continue one another, up to `maxRows` records, into `batch`.
    private func merge(
        _ slices: [ScanSlice],
        cuts: [Int],
        maxRows: Int,
        columns: Int,
        into batch: inout RecordBatch
    ) -> (position: Int, line: Int, row: Int) {
        var taken: [(slice: Int, records: Int, line: Int, row: Int, record: Int)] = []
        var position = start
        var line = nextLine
        var row = nextRow
        var total = 0
        for (index, slice) in slices.enumerated() {
            guard position == cuts[index], total < maxRows else { break }
            let records = min(slice.records.count, maxRows - total)
            taken.append((index, records, line, row, total))
            total += records
            if records < slice.records.count {
                position = Int(slice.records.recordEnds[records - 1])
                line += slice.linesAfter[records - 1]
                row += records
                break
            }
            position = slice.stop
            line += slice.stopLines
            row += records
            if !slice.reachedEnd { break }
        }
        batch.columns = columns
        batch.count = total
        let fields = total * columns
        let shared = UncheckedSendable(slices)
        let parts = UncheckedSendable(taken)
        func fill<T>(
            _ count: Int,
            _ copy: @escaping @Sendable (ScanSlice, Int, Int, UnsafeMutablePointer<T>) -> Void
        ) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                let target = UncheckedSendable(buffer.baseAddress)
                DispatchQueue.concurrentPerform(iterations: parts.value.count) { index in
                    let part = parts.value[index]
                    guard part.records > 0, let base = target.value else { return }
                    copy(shared.value[part.slice], part.records, index, base)
                }
                initialized = count
            }
        }
        batch.starts = fill(fields) { slice, records, index, base in
            (base + parts.value[index].record * columns).update(from: slice.records.starts, count: records * columns)
        }
        batch.ends = fill(fields) { slice, records, index, base in
            (base + parts.value[index].record * columns).update(from: slice.records.ends, count: records * columns)
        }
        batch.flags = fill(fields) { slice, records, index, base in
            (base + parts.value[index].record * columns).update(from: slice.records.flags, count: records * columns)
        }
        batch.recordStarts = fill(total) { slice, records, index, base in
            (base + parts.value[index].record).update(from: slice.records.recordStarts, count: records)
        }
        batch.recordEnds = fill(total) { slice, records, index, base in
            (base + parts.value[index].record).update(from: slice.records.recordEnds, count: records)
        }
        batch.lines = fill(total) { slice, records, index, base in
            let first = parts.value[index].line
            for record in 0..<records {
                (base + parts.value[index].record + record).initialize(to: first + slice.linesBefore[record])
            }
        }
        batch.rows = fill(total) { _, records, index, base in
            let first = parts.value[index].row
            for record in 0..<records { (base + parts.value[index].record + record).initialize(to: first + record + 1) }
        }
        return (position, line, row)
    }
}

/// The records one slice of a buffer holds, with line and row numbers counted from the slice's start.
struct ScanSlice {
    var records = RecordBatch()
    /// Line ends before each record, and after it.
    var linesBefore: [Int] = []
    var linesAfter: [Int] = []
    /// Where the slice's scan stopped, and the line ends before that point.
    var stop = 0
    var stopLines = 0
    /// Whether the scan ran to the slice's end (or, for the last, to an incomplete record at the buffer's end)
    /// without an error, a wrong field count or the row limit.
    var reachedEnd = false

    /// Empties the slice, keeping its arrays' capacity, to scan from `position`.
    mutating func reset(at position: Int) {
        records.count = 0
        records.removeFields(from: 0)
        records.recordStarts.removeAll(keepingCapacity: true)
        records.recordEnds.removeAll(keepingCapacity: true)
        linesBefore.removeAll(keepingCapacity: true)
        linesAfter.removeAll(keepingCapacity: true)
        stop = position
        stopLines = 0
        reachedEnd = false
    }
}

extension RecordBatch {
    /// Drops the fields from index `fields` on (those of a record that did not complete).
    mutating func removeFields(from fields: Int) {
        let extra = starts.count - fields
        guard extra > 0 else { return }
        starts.removeLast(extra)
        ends.removeLast(extra)
        flags.removeLast(extra)
    }
}
