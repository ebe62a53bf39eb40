import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The binary file of one stored (source, period), read back column by column.
///
/// Format 3 (written since; see ``PeriodFileDirectory``) keeps each column of each chunk in blocks of its own with a
/// CRC-32C, listed in a directory whose CRC-32C the manifest records: a read checks the directory, then only the
/// blocks of the columns it reads. Format 2 (`FINOPSC2`, still read) has one CRC-32 for the whole file, so reading
/// any column checks every byte. Both hold raw little-endian arrays and file-wide dictionaries, so reading is a copy
/// (with decimals and instants widened from their packed form), not a parse.
enum PeriodFile {
    static let magic2: [UInt8] = Array("FINOPSC2".utf8)

    enum Kind: UInt8 {
        case string = 0
        case decimal = 1
        case timestamp = 2
        case tags = 3
    }

    enum TagKind: UInt8 {
        case string = 0
        case number = 1
        case bool = 2
        case null = 3
        case json = 4
    }

    /// Where one stored period is, and what the manifest says it must be.
    struct Location: Sendable {
        var path: String
        var size: Int
        /// The CRC-32 of the whole file.
        var checksum: String
        /// Format 3: the CRC-32C of the directory; `nil` for a format 2 file.
        var directoryChecksum: String?
    }

    /// Reads a whole period file, checking every byte of it against the manifest's size and checksum.
    static func read(_ location: Location) throws(CostStoreError) -> CostTable {
        let file = try MappedFile(path: location.path)
        try checkSize(file, location)
        try checkWholeFile(location)
        return try withExtendedLifetime(file) { () throws(CostStoreError) in
            try assemble([try parse(file, location).trustingBlocks()], columns: .all, paths: [location.path])
        }
    }

    /// Checks every byte of a period file against the manifest's size and checksum, then hands the rows of
    /// `columns` to `body` a window of whole chunks at a time (see ``Windows``).
    static func read(
        _ location: Location,
        columns: CostFilter = .all,
        rowsPerWindow: Int,
        _ body: (CostTable) throws(CostStoreError) -> Void
    ) throws(CostStoreError) {
        let file = try MappedFile(path: location.path)
        try checkSize(file, location)
        try checkWholeFile(location)
        try withExtendedLifetime(file) { () throws(CostStoreError) in
            let parsed = try parse(file, location).trustingBlocks()
            var windows = try Windows([parsed], columns: columns, paths: [location.path], rowsPerWindow: rowsPerWindow)
            while let window = try windows.next() {
                file.releasePages()
                try body(window)
            }
        }
    }

    /// Reads period files into one table (only the columns the filter includes), checking what it reads: each
    /// column is assembled once, its dictionaries merged and its codes remapped while copying, several at once.
    static func read(_ locations: [Location], columns: CostFilter = .all) throws(CostStoreError) -> CostTable {
        let (files, parsed) = try open(locations, columns: columns)
        return try withExtendedLifetime(files) { () throws(CostStoreError) in
            try assemble(parsed, columns: columns, paths: locations.map(\.path))
        }
    }

    /// Reads period files as ``read(_:columns:)`` does, but a window of whole chunks at a time (see ``Windows``),
    /// handing each to `body` before the next is read.
    static func read(
        _ locations: [Location],
        columns: CostFilter,
        rowsPerWindow: Int,
        _ body: (CostTable) throws -> Void
    ) throws {
        let (files, parsed) = try open(locations, columns: columns)
        try withExtendedLifetime(files) {
            var windows = try Windows(
                parsed,
                columns: columns,
                paths: locations.map(\.path),
                rowsPerWindow: rowsPerWindow
            )
            while let window = try windows.next() {
                for file in files { file.releasePages() }
                try body(window)
            }
        }
    }

    /// Maps and parses the files, checking each one's size, and a format 2 file's whole checksum.
    private static func open(
        _ locations: [Location],
        columns: CostFilter
    ) throws(CostStoreError) -> ([MappedFile], [ParsedFile]) {
        var files: [MappedFile] = []
        var parsed: [ParsedFile] = []
        for location in locations {
            let file = try MappedFile(path: location.path)
            try checkSize(file, location)
            // Format 2 has no checksum per block: the whole file is checked instead.
            let wholeFile = location.directoryChecksum == nil
            if wholeFile { try checkWholeFile(location) }
            let one = try parse(file, location).skippingChunks(outside: columns.timeRanges)
            parsed.append(wholeFile ? one.trustingBlocks() : one)
            files.append(file)
        }
        return (files, parsed)
    }

    private static func checkSize(_ file: MappedFile, _ location: Location) throws(CostStoreError) {
        guard file.bytes.count == location.size else {
            throw CostStoreError(
                .corrupt,
                "\(location.path) has \(file.bytes.count) bytes, the manifest recorded \(location.size)"
            )
        }
    }

    private static func checkWholeFile(_ location: Location) throws(CostStoreError) {
        let descriptor = posixOpenForReading(location.path)
        guard descriptor >= 0 else { throw CostStoreError(.io, "cannot open \(location.path): \(systemError())") }
        defer { posixClose(descriptor) }
        let crc: UInt
        switch CRC32.ofFile(descriptor, count: location.size) {
        case .success(let value): crc = value
        case .failure(let error):
            throw CostStoreError(.io, "cannot read \(location.path): \(error.description)")
        }
        let actual = CRC32.hex(crc)
        guard actual == location.checksum else {
            throw CostStoreError(
                .corrupt,
                "\(location.path) has checksum \(actual), the manifest recorded \(location.checksum): the file was altered"
            )
        }
    }

    private static func parse(_ file: MappedFile, _ location: Location) throws(CostStoreError) -> ParsedFile {
        do {
            if let expected = location.directoryChecksum {
                return try parseFormat3(file.bytes, path: location.path, directoryChecksum: expected)
            }
            return try parseFormat2(file.bytes)
        } catch let error as CostStoreError {
            throw error
        } catch {
            throw CostStoreError(.corrupt, "\(location.path) is truncated or not a period file")
        }
    }

    // MARK: - Assembling columns

    /// A block a read must check before it uses it.
    struct Check {
        var bytes: UnsafeRawBufferPointer
        var crc: UInt32
        var what: String
    }

    enum Encoding {
        case plain
        case decimalPacked(DecimalPacking.Plan)
        case timestampPacked(TimestampPacking.Plan)
    }

    /// One column's values in one chunk, pointing into a mapped file.
    struct Part {
        var rows: Int
        /// `nil` when the column is absent from the chunk or all null.
        var values: UnsafeRawPointer?
        /// Format 2's null mask, parsed with the file.
        var nulls: NullMask?
        /// Format 3's null mask words, read once checked.
        var nullWords: UnsafeRawPointer?
        /// For text and Tags columns: which file's dictionary the codes index, and their width in bytes.
        var file: Int
        var width = 4
        var encoding = Encoding.plain
        var checks: [Check] = []
        /// Format 3 timestamp parts: the least and greatest non-null instant.
        var bounds: ClosedRange<Int64>?

        init(rows: Int, values: UnsafeRawPointer?, nulls: NullMask?, file: Int, width: Int = 4) {
            self.rows = rows
            self.values = values
            self.nulls = nulls
            self.file = file
            self.width = width
        }

        var hasNulls: Bool { nulls != nil || nullWords != nil }

        /// Calls `body` with each row of a text or Tags part and its code (`UInt32.max` for null, whatever the
        /// width): a loop per width.
        @inline(__always)
        func forEachCode(_ body: (Int, UInt32) -> Void) {
            guard let values else { return }
            switch width {
            case 1:
                for row in 0..<rows {
                    let code = values.load(fromByteOffset: row, as: UInt8.self)
                    body(row, code == .max ? .max : UInt32(code))
                }
            case 2:
                for row in 0..<rows {
                    let code = UInt16(littleEndian: values.loadUnaligned(fromByteOffset: row * 2, as: UInt16.self))
                    body(row, code == .max ? .max : UInt32(code))
                }
            default:
                for row in 0..<rows {
                    body(row, UInt32(littleEndian: values.loadUnaligned(fromByteOffset: row * 4, as: UInt32.self)))
                }
            }
        }

        /// The null mask of the part's rows, if it has one.
        func mask() -> NullMask? {
            if let nulls { return nulls }
            guard let nullWords else { return nil }
            let words = (0..<(rows + 63) / 64).map {
                UInt64(littleEndian: nullWords.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))
            }
            return NullMask(words: words, count: rows)
        }
    }

    /// A file-wide dictionary: parsed with the file (format 2) or a checked block parsed when its column is read.
    enum DictionarySource {
        case strings([String])
        case tagSets([TagSet])
        case block(Check, count: Int)
    }

    struct ParsedFile {
        var dictionaries: [String: DictionarySource] = [:]
        var names: [String] = []
        var kinds: [String: Kind] = [:]
        var parts: [String: [Part]] = [:]
        var rows = 0
        /// Format 3: the rows of each chunk (every column has one part per chunk); `nil` for format 2.
        var chunkRows: [Int]?
        /// Whether the whole file's CRC-32 was checked, so its blocks need no check of their own.
        var blocksTrusted = false

        /// The file once its whole CRC-32 matched: reading it checks no block again.
        func trustingBlocks() -> ParsedFile {
            var file = self
            file.blocksTrusted = true
            for (name, parts) in file.parts {
                file.parts[name] = parts.map { part in
                    var part = part
                    part.checks = []
                    return part
                }
            }
            return file
        }

        /// The file without the chunks in which every row is null or outside one of `ranges` (by the chunks' zone
        /// maps); format 2 files have none, so they are read whole.
        func skippingChunks(outside ranges: [String: Range<Timestamp>]) -> ParsedFile {
            guard let chunkRows, !ranges.isEmpty else { return self }
            var keep = [Bool](repeating: true, count: chunkRows.count)
            for (name, range) in ranges {
                guard let parts = parts[name] else {
                    keep = keep.map { _ in false }  // the column is null in every row
                    continue
                }
                let lower = range.lowerBound.microsecondsSinceEpoch
                let upper = range.upperBound.microsecondsSinceEpoch
                for (chunk, part) in parts.enumerated() where chunk < keep.count {
                    if part.values == nil {
                        keep[chunk] = false
                    } else if let bounds = part.bounds, bounds.upperBound < lower || bounds.lowerBound >= upper {
                        keep[chunk] = false
                    }
                }
            }
            guard keep.contains(false) else { return self }
            var file = self
            file.chunkRows = zip(chunkRows, keep).filter(\.1).map(\.0)
            file.rows = file.chunkRows?.reduce(0, +) ?? 0
            for (name, columnParts) in parts {
                file.parts[name] = zip(columnParts, keep).filter(\.1).map(\.0)
            }
            return file
        }

        func strings(_ name: String, path: String) throws(CostStoreError) -> [String] {
            switch dictionaries[name] {
            case .strings(let values)?: return values
            case .block(let check, let count)?:
                if !blocksTrusted { try PeriodFile.verify(check, path: path) }
                var reader = ByteReader(check.bytes)
                do {
                    var values: [String] = []
                    values.reserveCapacity(reader.capacity(for: count, bytesEach: 4))
                    for _ in 0..<count { values.append(try reader.readString()) }
                    return values
                } catch {
                    throw CostStoreError(.corrupt, "\(path): the dictionary of \(name) is truncated")
                }
            default: return []
            }
        }

        func tagSets(_ name: String, path: String) throws(CostStoreError) -> [TagSet] {
            switch dictionaries[name] {
            case .tagSets(let sets)?: return sets
            case .block(let check, let count)?:
                if !blocksTrusted { try PeriodFile.verify(check, path: path) }
                var reader = ByteReader(check.bytes)
                do {
                    var sets: [TagSet] = []
                    sets.reserveCapacity(reader.capacity(for: count, bytesEach: 4))
                    for _ in 0..<count { sets.append(try readTagSet(&reader)) }
                    return sets
                } catch {
                    throw CostStoreError(.corrupt, "\(path): the tag sets of \(name) are truncated")
                }
            default: return []
            }
        }
    }

    static func verify(_ check: Check, path: String) throws(CostStoreError) {
        guard CRC32C.update(0, check.bytes) == check.crc else {
            throw CostStoreError(.corrupt, "\(path): \(check.what) does not match its checksum: the file was altered")
        }
    }
}
