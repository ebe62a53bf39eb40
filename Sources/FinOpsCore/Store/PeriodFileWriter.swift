/// Writes one period file: chunks as batches arrive, text and Tags codes remapped into file-wide dictionaries,
/// which are written last.
final class PeriodFileWriter {
    private let writer: BufferedFileWriter
    private var strings: [String: StringDictionary] = [:]
    private var tagSets: [String: TagDictionary] = [:]
    private var order: [(name: String, isTags: Bool)] = []

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
        try writer.append(PeriodFile.magic)
    }

    /// The CRC-32 and size of everything written so far.
    var crc: UInt { writer.crc }
    var bytesWritten: Int { writer.bytesWritten }

    /// Appends one chunk holding `table`.
    func append(_ table: CostTable) throws(CostStoreError) {
        var pieces: [Piece] = []
        var meta = ByteWriter()
        meta.append(UInt64(table.rowCount))
        meta.append(UInt32(table.columns.count))
        for column in table.columns {
            meta.append(column.name)
            switch column.data {
            case .string(let values):
                meta.append(PeriodFile.Kind.string.rawValue)
                let (codes, distinct) = remap(values, column: column.name)
                appendCodes(codes, distinct: distinct, meta: &meta, pieces: &pieces)
            case .decimal(let values):
                meta.append(PeriodFile.Kind.decimal.rawValue)
                let follow = PeriodFile.append(values.nulls, rows: table.rowCount, to: &meta)
                pieces.append(.bytes(meta.bytes))
                if follow { pieces.append(.decimals(values.values)) }
            case .timestamp(let values):
                meta.append(PeriodFile.Kind.timestamp.rawValue)
                let follow = PeriodFile.append(values.nulls, rows: table.rowCount, to: &meta)
                pieces.append(.bytes(meta.bytes))
                if follow { pieces.append(.integers(values.values)) }
            case .tags(let values):
                meta.append(PeriodFile.Kind.tags.rawValue)
                let (codes, distinct) = remap(values, column: column.name)
                appendCodes(codes, distinct: distinct, meta: &meta, pieces: &pieces)
            }
            meta.bytes.removeAll(keepingCapacity: true)
        }
        var length = ByteWriter()
        length.append(UInt64(pieces.reduce(0) { $0 + $1.byteCount }))
        try writer.append(length.bytes)
        for piece in pieces {
            switch piece {
            case .bytes(let bytes): try writer.append(array: bytes)
            case .shorts(let codes): try writer.append(array: codes)
            case .codes(let codes): try writer.append(array: codes)
            case .decimals(let values): try writer.append(array: values)
            case .integers(let values): try writer.append(array: values)
            }
        }
        writer.startWriteback()
    }

    /// Codes in the narrowest width that holds the dictionary (the width's all-ones value meaning null).
    private func appendCodes(_ codes: [UInt32], distinct: Int, meta: inout ByteWriter, pieces: inout [Piece]) {
        if distinct < Int(UInt8.max) {
            meta.append(UInt8(1))
            pieces.append(.bytes(meta.bytes))
            pieces.append(.bytes(codes.map { $0 == .max ? .max : UInt8(truncatingIfNeeded: $0) }))
        } else if distinct < Int(UInt16.max) {
            meta.append(UInt8(2))
            pieces.append(.bytes(meta.bytes))
            pieces.append(.shorts(codes.map { $0 == .max ? .max : UInt16(truncatingIfNeeded: $0) }))
        } else {
            meta.append(UInt8(4))
            pieces.append(.bytes(meta.bytes))
            pieces.append(.codes(codes))
        }
    }

    /// Writes the dictionaries and the trailer, and forces the file to disk.
    func finish() throws(CostStoreError) {
        let footerOffset = writer.bytesWritten + writer.pendingCount
        var footer = ByteWriter()
        footer.append(UInt32(order.count))
        for (name, isTags) in order {
            footer.append(name)
            if isTags {
                let sets = tagSets[name]!.sets
                footer.append(PeriodFile.Kind.tags.rawValue)
                footer.append(UInt32(sets.count))
                for set in sets { PeriodFile.append(set, to: &footer) }
            } else {
                let values = strings[name]!.values
                footer.append(PeriodFile.Kind.string.rawValue)
                footer.append(UInt32(values.count))
                for value in values { footer.append(value) }
            }
        }
        footer.append(UInt64(footerOffset))
        footer.bytes.append(contentsOf: PeriodFile.magic)
        try writer.append(footer.bytes)
        try writer.sync()
    }

    private func remap(_ column: StringColumn, column name: String) -> (codes: [UInt32], distinct: Int) {
        if strings[name] == nil {
            strings[name] = StringDictionary()
            order.append((name, false))
        }
        var dictionary = strings.removeValue(forKey: name)!
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
        if tagSets[name] == nil {
            tagSets[name] = TagDictionary()
            order.append((name, true))
        }
        var dictionary = tagSets.removeValue(forKey: name)!
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

    private enum Piece {
        case bytes([UInt8])
        case shorts([UInt16])
        case codes([UInt32])
        case decimals([ExactDecimal])
        case integers([Int64])

        var byteCount: Int {
            switch self {
            case .bytes(let bytes): bytes.count
            case .shorts(let codes): codes.count * 2
            case .codes(let codes): codes.count * 4
            case .decimals(let values): values.count * MemoryLayout<ExactDecimal>.stride
            case .integers(let values): values.count * 8
            }
        }
    }
}
