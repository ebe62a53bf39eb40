/// Writes one period file in format 3 (see ``PeriodFileDirectory``): each batch becomes a chunk whose columns are
/// blocks of their own, each with a CRC-32C, in the narrowest encoding that holds them exactly; text and Tags codes
/// index file-wide dictionaries, written last with the directory.
final class PeriodFileWriter {
    private let writer: BufferedFileWriter
    private var strings: [String: StringDictionary] = [:]
    private var tagSets: [String: TagDictionary] = [:]
    private var directory = PeriodFileDirectory()
    private var columnIndex: [String: Int] = [:]

    private struct StringDictionary {
        var interner = ByteInterner()
        var values: [String] = []
    }

    private struct TagDictionary {
        var index: [TagSet: UInt32] = [:]
        var sets: [TagSet] = []
    }

    init(path: String) throws(CostStoreError) {
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

    /// Appends one chunk holding `table`.
    func append(_ table: CostTable) throws(CostStoreError) {
        let chunk = directory.chunkRows.count
        directory.chunkRows.append(table.rowCount)
        for index in directory.columns.indices { directory.columns[index].parts.append(.init(encoding: .absent)) }
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
            }
            guard directory.columns[index].kind == column.data.kind else {
                throw CostStoreError(.io, "column \(column.name) changes type between batches")
            }
            directory.columns[index].parts[chunk] = try write(column, rows: table.rowCount)
        }
        writer.startWriteback()
    }

    private func write(_ column: CostTable.Column, rows: Int) throws(CostStoreError) -> PeriodFileDirectory.Part {
        switch column.data {
        case .string(let values):
            let (codes, distinct) = remap(values, column: column.name)
            return try writeCodes(codes, distinct: distinct)
        case .tags(let values):
            let (codes, distinct) = remap(values, column: column.name)
            return try writeCodes(codes, distinct: distinct)
        case .decimal(let values):
            if let nulls = values.nulls, nulls.nullCount == rows { return .init(encoding: .absent) }
            let plan = DecimalPacking.plan(values.values)
            var part = PeriodFileDirectory.Part(
                encoding: .decimalPacked(plan),
                values: try block(DecimalPacking.pack(values.values, plan))
            )
            if let nulls = values.nulls, nulls.containsNull { part.nulls = try block(nulls.words) }
            return part
        case .timestamp(let values):
            guard let bounds = TimestampPacking.bounds(values) else { return .init(encoding: .absent) }
            let plan = TimestampPacking.plan(values, bounds: bounds)
            var part = PeriodFileDirectory.Part(
                encoding: .timestampPacked(plan),
                values: try block(TimestampPacking.pack(values, plan))
            )
            if let nulls = values.nulls, nulls.containsNull { part.nulls = try block(nulls.words) }
            part.bounds = bounds
            return part
        }
    }

    /// Codes in the narrowest width that holds the dictionary (the width's all-ones value meaning null).
    private func writeCodes(_ codes: [UInt32], distinct: Int) throws(CostStoreError) -> PeriodFileDirectory.Part {
        if codes.allSatisfy({ $0 == .max }) { return .init(encoding: .absent) }
        if distinct < Int(UInt8.max) {
            let narrow = codes.map { $0 == .max ? UInt8.max : UInt8(truncatingIfNeeded: $0) }
            return .init(encoding: .codes(width: 1), values: try block(narrow))
        }
        if distinct < Int(UInt16.max) {
            let narrow = codes.map { $0 == .max ? UInt16.max : UInt16(truncatingIfNeeded: $0) }
            return .init(encoding: .codes(width: 2), values: try block(narrow))
        }
        return .init(encoding: .codes(width: 4), values: try block(codes))
    }

    /// Writes an array's raw bytes as one block.
    private func block<T>(_ array: [T]) throws(CostStoreError) -> PeriodFileDirectory.Block {
        let offset = writer.bytesWritten + writer.pendingCount
        let crc = array.withUnsafeBytes { CRC32C.update(0, $0) }
        try writer.append(array: array)
        return .init(offset: offset, length: array.count * MemoryLayout<T>.stride, crc: crc)
    }

    /// Writes the dictionaries, the directory and the trailer, and forces the file to disk.
    func finish() throws(CostStoreError) {
        for index in directory.columns.indices {
            let name = directory.columns[index].name
            var out = ByteWriter()
            switch directory.columns[index].kind {
            case .string:
                let values = strings[name]?.values ?? []
                for value in values { out.append(value) }
                directory.columns[index].dictionaryCount = values.count
            case .tags:
                let sets = tagSets[name]?.sets ?? []
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

    private func remap(_ column: StringColumn, column name: String) -> (codes: [UInt32], distinct: Int) {
        var dictionary = strings.removeValue(forKey: name) ?? StringDictionary()
        defer { strings[name] = dictionary }
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

    private func remap(_ column: TagColumn, column name: String) -> (codes: [UInt32], distinct: Int) {
        var dictionary = tagSets.removeValue(forKey: name) ?? TagDictionary()
        defer { tagSets[name] = dictionary }
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
