#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits RFC 4180 CSV into records and fields over a refillable buffer, so memory is bounded by the longest
/// record rather than the file.
///
/// Handles quoted fields with embedded commas, quotes (`""`) and newlines, CRLF or LF line ends, a UTF-8 byte
/// order mark, and a last record without a line end.
final class CSVScanner {
    struct Field {
        var start: Int
        var end: Int
        var quoted: Bool
        var escaped: Bool
    }

    struct Failure: Error {
        var message: String
        var line: Int
    }

    private enum Outcome {
        case record(next: Int, newlines: Int)
        case incomplete
        case failure(String, newlines: Int)
    }

    private let input: FileInput
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var atEOF = false
    private var scratch: UnsafeMutablePointer<UInt8>
    private var scratchCapacity = 4096

    /// The fields of the current record, as offsets into the buffer.
    private(set) var fields: [Field] = []
    /// The 1-based line on which the current record starts.
    private(set) var recordLine = 0
    private var recordStart = 0
    private var recordEnd = 0
    private var nextLine = 1

    init(input: FileInput, bufferSize: Int = 1 << 22) {
        self.input = input
        self.capacity = bufferSize
        self.buffer = .allocate(capacity: bufferSize)
        self.scratch = .allocate(capacity: scratchCapacity)
        fields.reserveCapacity(64)
    }

    deinit {
        buffer.deallocate()
        scratch.deallocate()
    }

    /// Moves to the next record; `false` at the end of the file.
    ///
    /// On a quoting error the scanner skips to the end of the offending line, so reading can go on.
    func nextRecord() throws(IngestError) -> Result<Bool, Failure> {
        while true {
            switch scan(from: start) {
            case .record(let next, let newlines):
                recordStart = start
                recordEnd = next
                recordLine = nextLine
                nextLine += newlines
                start = next
                return .success(true)
            case .failure(let message, let newlines):
                let resume = resumePoint(after: start)
                if resume == end, !atEOF {
                    try refill()
                    continue
                }
                recordStart = start
                recordLine = nextLine
                recordEnd = resume
                nextLine += newlines == 0 ? 1 : newlines
                start = resume
                return .failure(Failure(message: message, line: recordLine))
            case .incomplete:
                if atEOF {
                    return .success(false)
                }
                try refill()
            }
        }
    }

    /// The whole current record as written (without its line end), for reject files.
    var recordText: String {
        var stop = recordEnd
        while stop > recordStart, buffer[stop - 1] == 0x0A || buffer[stop - 1] == 0x0D { stop -= 1 }
        return String(
            decoding: UnsafeBufferPointer(start: buffer + recordStart, count: stop - recordStart),
            as: UTF8.self
        )
    }

    /// The bytes of a field of the current record, with `""` unescaped; valid until the next call.
    func bytes(of field: Field) -> UnsafeBufferPointer<UInt8> {
        guard field.escaped else {
            return UnsafeBufferPointer(start: buffer + field.start, count: field.end - field.start)
        }
        if field.end - field.start > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = field.end - field.start
            scratch = .allocate(capacity: scratchCapacity)
        }
        var index = field.start
        var count = 0
        while index < field.end {
            let byte = buffer[index]
            scratch[count] = byte
            count += 1
            index += byte == UInt8(ascii: "\"") ? 2 : 1
        }
        return UnsafeBufferPointer(start: scratch, count: count)
    }

    /// How far into the file reading has got, in bytes on disk.
    var bytesConsumed: Int64 { input.bytesConsumed }

    /// Removes a UTF-8 byte order mark at the start of the file.
    func skipByteOrderMark() throws(IngestError) {
        while end - start < 3, !atEOF { try refill() }
        if end - start >= 3, buffer[start] == 0xEF, buffer[start + 1] == 0xBB, buffer[start + 2] == 0xBF { start += 3 }
    }

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
        let read = try input.read(into: buffer + end, count: capacity - end)
        if read == 0 { atEOF = true }
        end += read
    }

    private func resumePoint(after position: Int) -> Int {
        var index = position
        while index < end, buffer[index] != 0x0A { index += 1 }
        return index < end ? index + 1 : end
    }

    private func scan(from position: Int) -> Outcome {
        fields.removeAll(keepingCapacity: true)
        var index = position
        var newlines = 0
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        let lf: UInt8 = 0x0A
        let cr: UInt8 = 0x0D
        if index == end { return .incomplete }
        while true {
            var field = Field(start: index, end: index, quoted: false, escaped: false)
            if index < end, buffer[index] == quote {
                field.quoted = true
                index += 1
                field.start = index
                while true {
                    guard let found = memchr(buffer + index, Int32(quote), end - index) else {
                        if atEOF {
                            return .failure(
                                "a quoted field is not closed before the end of the file",
                                newlines: newlines
                            )
                        }
                        return .incomplete
                    }
                    let quoteIndex = buffer.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    newlines += countNewlines(from: index, to: quoteIndex)
                    if quoteIndex + 1 == end, !atEOF { return .incomplete }
                    if quoteIndex + 1 < end, buffer[quoteIndex + 1] == quote {
                        field.escaped = true
                        index = quoteIndex + 2
                        continue
                    }
                    field.end = quoteIndex
                    index = quoteIndex + 1
                    break
                }
                if index < end {
                    let next = buffer[index]
                    if next != comma && next != lf && next != cr {
                        return .failure(
                            "unexpected character \(describe(next)) after the closing quote of field \(fields.count + 1)",
                            newlines: newlines
                        )
                    }
                }
            } else {
                while index < end {
                    let byte = buffer[index]
                    if byte == comma || byte == lf || byte == cr { break }
                    if byte == quote {
                        return .failure("a quote inside unquoted field \(fields.count + 1)", newlines: newlines)
                    }
                    index += 1
                }
                field.end = index
            }
            if index == end {
                guard atEOF else { return .incomplete }
                fields.append(field)
                return .record(next: end, newlines: newlines + 1)
            }
            fields.append(field)
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

    private func countNewlines(from lower: Int, to upper: Int) -> Int {
        var count = 0
        var index = lower
        while index < upper {
            if buffer[index] == 0x0A { count += 1 }
            index += 1
        }
        return count
    }

    private func describe(_ byte: UInt8) -> String {
        byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}
