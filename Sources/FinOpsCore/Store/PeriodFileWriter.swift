import Dispatch
import Foundation

/// Writes one period file in format 3 (see ``PeriodFileDirectory``): each batch becomes a chunk whose columns are
/// blocks of their own, each with a CRC-32C, in the narrowest encoding that holds them exactly; text and Tags codes
/// index file-wide dictionaries, written last with the directory.
final class PeriodFileWriter {
    private let writer: BufferedFileWriter
    /// The file-wide dictionary of each text and Tags column, by the column's index in the directory.
    private var strings: [StringDictionary?] = []
    private var tagSets: [TagDictionary?] = []
    private var directory = PeriodFileDirectory()
    private var columnIndex: [String: Int] = [:]
    /// How many threads encode a chunk's columns at once (each column is encoded by one thread, into its own
    /// dictionary, and written in order, so the file's bytes do not depend on it).
    let threads: Int

    private struct StringDictionary {
        var interner = ByteInterner()
        var values: [String] = []
    }

    private struct TagDictionary {
        var index: [TagSet: UInt32] = [:]
        var sets: [TagSet] = []
    }

    init(path: String, threads: Int = PeriodFileWriter.defaultThreads) throws(CostStoreError) {
        self.threads = max(1, threads)
        writer = try BufferedFileWriter(path: path)
        try writer.append(PeriodFileDirectory.magic)
    }

    /// The CRC-32 and size of everything written so far.
    var crc: UInt { writer.crc }
    var bytesWritten: Int { writer.bytesWritten }
    /// The CRC-32C of the directory, once ``finish()`` has written it: what the manifest records so that reads can
    /// trust the directory without reading the whole file.
    private(set) var directoryChecksum: UInt32 = 0

    /// The rows of a chunk when a whole period is written at once, as a load writes them (one batch of the CSV
    /// reader).
    static let wholeTableChunkRows = 65_536

    /// Appends a whole table in chunks of ``wholeTableChunkRows`` (an empty table adds one empty chunk).
    func appendInChunks(_ table: CostTable) throws(CostStoreError) {
        var start = 0
        repeat {
            let end = min(start + Self.wholeTableChunkRows, table.rowCount)
            try append(start == 0 && end == table.rowCount ? table : table.selecting(rows: Array(start..<end)))
            start = end
        } while start < table.rowCount
    }

    /// From four cores on, a chunk's columns are encoded on all of them; with fewer, loads already encode one batch
    /// while the next is read.
    static let defaultThreads: Int = {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return cores >= 4 ? cores : 1
    }()

    /// A column's part of a chunk, encoded, with its blocks' bytes still to be written.
    private struct Encoded {
        var part: PeriodFileDirectory.Part
        var values: Payload?
        var nulls: Payload?
    }

    /// Appends one chunk holding `table`.
    func append(_ table: CostTable) throws(CostStoreError) {
        let chunk = directory.chunkRows.count
        directory.chunkRows.append(table.rowCount)
        for index in directory.columns.indices { directory.columns[index].parts.append(.init(encoding: .absent)) }
        var targets: [Int] = []
        for column in table.columns {
            let index: Int
            if let known = columnIndex[column.name] {
                index = known
            } else {
                index = directory.columns.count
                columnIndex[column.name] = index
                directory.columns.append(
                    PeriodFileDirectory.Column(
                        name: column.name,
                        kind: column.data.kind,
                        parts: Array(repeating: .init(encoding: .absent), count: chunk + 1)
                    )
                )
                strings.append(nil)
                tagSets.append(nil)
            }
            guard directory.columns[index].kind == column.data.kind else {
                throw CostStoreError(.io, "column \(column.name) changes type between batches")
            }
            targets.append(index)
        }
        var encoded = [Encoded?](repeating: nil, count: table.columns.count)
        let rows = table.rowCount
        let parallel = threads > 1 && table.columns.count > 1
        // Each column's dictionary is reached through its own pointer, so threads never share an access.
        strings.withUnsafeMutableBufferPointer { strings in
            tagSets.withUnsafeMutableBufferPointer { tagSets in
                encoded.withUnsafeMutableBufferPointer { results in
                    let work = UncheckedSendable((table, targets, strings, tagSets, results))
                    let one = { @Sendable (position: Int) in
                        let (table, targets, strings, tagSets, results) = work.value
                        let index = targets[position]
                        results[position] = Self.encode(
                            table.columns[position],
                            rows: rows,
                            strings: &strings[index],
                            tagSets: &tagSets[index]
                        )
                    }
                    if parallel {
                        DispatchQueue.concurrentPerform(iterations: targets.count, execute: one)
                    } else {
                        for position in targets.indices { one(position) }
                    }
                }
            }
        }
        for (position, index) in targets.enumerated() {
            guard var column = encoded[position] else { continue }
            if let values = column.values { column.part.values = try block(values) }
            if let nulls = column.nulls { column.part.nulls = try block(nulls) }
            directory.columns[index].parts[chunk] = column.part
        }
        writer.startWriteback()
    }

    /// Encodes one column of a chunk, adding its new text values or tag sets to its dictionary.
    private static func encode(
        _ column: CostTable.Column,
        rows: Int,
        strings: inout StringDictionary?,
        tagSets: inout TagDictionary?
    ) -> Encoded {
        switch column.data {
        case .string(let values):
            // Taken out of the slot, so that adding to it does not copy it.
            var dictionary = strings ?? StringDictionary()
            strings = nil
            defer { strings = dictionary }
            let (codes, distinct) = remap(values, into: &dictionary)
            return encodeCodes(codes, distinct: distinct)
        case .tags(let values):
            var dictionary = tagSets ?? TagDictionary()
            tagSets = nil
            defer { tagSets = dictionary }
            let (codes, distinct) = remap(values, into: &dictionary)
            return encodeCodes(codes, distinct: distinct)
        case .decimal(let values):
            if let nulls = values.nulls, nulls.nullCount == rows { return Encoded(part: .init(encoding: .absent)) }
            let plan = DecimalPacking.plan(values.values)
            var encoded = Encoded(part: .init(encoding: .decimalPacked(plan)))
            encoded.values = Payload(DecimalPacking.pack(values.values, plan))
            if let nulls = values.nulls, nulls.containsNull { encoded.nulls = Payload(nulls.words) }
            return encoded
        case .timestamp(let values):
            guard let bounds = TimestampPacking.bounds(values) else { return Encoded(part: .init(encoding: .absent)) }
            let plan = TimestampPacking.plan(values, bounds: bounds)
            var encoded = Encoded(part: .init(encoding: .timestampPacked(plan)))
            encoded.part.bounds = bounds
            encoded.values = Payload(TimestampPacking.pack(values, plan))
            if let nulls = values.nulls, nulls.containsNull { encoded.nulls = Payload(nulls.words) }
            return encoded
        }
    }

    /// Codes in the narrowest width that holds the dictionary (the width's all-ones value meaning null).
    private static func encodeCodes(_ codes: [UInt32], distinct: Int) -> Encoded {
        if codes.allSatisfy({ $0 == .max }) { return Encoded(part: .init(encoding: .absent)) }
        if distinct < Int(UInt8.max) {
            let narrow = codes.map { $0 == .max ? UInt8.max : UInt8(truncatingIfNeeded: $0) }
            return Encoded(part: .init(encoding: .codes(width: 1)), values: Payload(narrow))
        }
        if distinct < Int(UInt16.max) {
            let narrow = codes.map { $0 == .max ? UInt16.max : UInt16(truncatingIfNeeded: $0) }
            return Encoded(part: .init(encoding: .codes(width: 2)), values: Payload(narrow))
        }
        return Encoded(part: .init(encoding: .codes(width: 4)), values: Payload(codes))
    }

    /// Writes an encoded block.
    private func block(_ payload: Payload) throws(CostStoreError) -> PeriodFileDirectory.Block {
        let offset = writer.bytesWritten + writer.pendingCount
        try payload.write(to: writer)
        return .init(offset: offset, length: payload.byteCount, crc: payload.crc)
    }

    /// Writes bytes as one block.
    private func block(_ bytes: [UInt8]) throws(CostStoreError) -> PeriodFileDirectory.Block {
        try block(Payload(bytes))
    }

    /// Writes the dictionaries, the directory and the trailer, and forces the file to disk.
    func finish() throws(CostStoreError) {
        for index in directory.columns.indices {
            var out = ByteWriter()
            switch directory.columns[index].kind {
            case .string:
                let values = strings[index]?.values ?? []
                for value in values { out.append(value) }
                directory.columns[index].dictionaryCount = values.count
            case .tags:
                let sets = tagSets[index]?.sets ?? []
                for set in sets { PeriodFile.append(set, to: &out) }
                directory.columns[index].dictionaryCount = sets.count
            case .decimal, .timestamp:
                continue
            }
            directory.columns[index].dictionary = try block(out.bytes)
        }
        let encoded = directory.encoded()
        let offset = writer.bytesWritten + writer.pendingCount
        directoryChecksum = encoded.withUnsafeBytes { CRC32C.update(0, $0) }
        var trailer = ByteWriter()
        trailer.append(directoryChecksum)
        trailer.append(UInt64(offset))
        trailer.append(UInt64(encoded.count))
        trailer.bytes.append(contentsOf: PeriodFileDirectory.magic)
        try writer.append(encoded)
        try writer.append(trailer.bytes)
        try writer.sync()
    }

    private static func remap(
        _ column: StringColumn,
        into dictionary: inout StringDictionary
    ) -> (codes: [UInt32], distinct: Int) {
        let codes = column.dictionary.map { value -> UInt32 in
            var utf8 = value
            let (code, isNew) = utf8.withUTF8 { dictionary.interner.intern($0) }
            if isNew { dictionary.values.append(value) }
            return code
        }
        let remapped = codes.withUnsafeBufferPointer { remap in
            column.codes.map { $0 == StringColumn.nullCode ? $0 : remap[Int($0)] }
        }
        return (remapped, dictionary.values.count)
    }

    private static func remap(
        _ column: TagColumn,
        into dictionary: inout TagDictionary
    ) -> (codes: [UInt32], distinct: Int) {
        let codes = column.sets.map { set -> UInt32 in
            if let code = dictionary.index[set] { return code }
            let code = UInt32(dictionary.sets.count)
            dictionary.sets.append(set)
            dictionary.index[set] = code
            return code
        }
        return (column.codes.map { $0 == TagColumn.nullCode ? $0 : codes[Int($0)] }, dictionary.sets.count)
    }
}

extension CostTable.ColumnData {
    var kind: PeriodFile.Kind {
        switch self {
        case .string: .string
        case .decimal: .decimal
        case .timestamp: .timestamp
        case .tags: .tags
        }
    }
}

/// The values of one block before it is written, with their CRC-32C (computed by the thread that encoded them).
private struct Payload {
    private enum Values {
        case bytes([UInt8])
        case halves([UInt16])
        case words([UInt32])
        case longs([UInt64])
    }

    private let values: Values
    let crc: UInt32

    init(_ values: [UInt8]) { self.init(.bytes(values)) }
    init(_ values: [UInt16]) { self.init(.halves(values)) }
    init(_ values: [UInt32]) { self.init(.words(values)) }
    init(_ values: [UInt64]) { self.init(.longs(values)) }

    private init(_ values: Values) {
        self.values = values
        switch values {
        case .bytes(let array): crc = array.withUnsafeBytes { CRC32C.update(0, $0) }
        case .halves(let array): crc = array.withUnsafeBytes { CRC32C.update(0, $0) }
        case .words(let array): crc = array.withUnsafeBytes { CRC32C.update(0, $0) }
        case .longs(let array): crc = array.withUnsafeBytes { CRC32C.update(0, $0) }
        }
    }

    var byteCount: Int {
        switch values {
        case .bytes(let array): array.count
        case .halves(let array): array.count * 2
        case .words(let array): array.count * 4
        case .longs(let array): array.count * 8
        }
    }

    func write(to writer: BufferedFileWriter) throws(CostStoreError) {
        switch values {
        case .bytes(let array): try writer.append(array: array)
        case .halves(let array): try writer.append(array: array)
        case .words(let array): try writer.append(array: array)
        case .longs(let array): try writer.append(array: array)
        }
    }
}
