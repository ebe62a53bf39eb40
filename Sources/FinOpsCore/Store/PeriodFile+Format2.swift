/// Reading period files of format 2: `FINOPSC2`; chunks, each a ``CostTable`` batch after its byte length, whose
/// text and Tags columns hold codes into file-wide dictionaries; the dictionaries; their offset and the magic again.
/// The manifest holds the whole file's CRC-32, checked before the file is parsed.
extension PeriodFile {
    static func parseFormat2(_ raw: UnsafeRawBufferPointer) throws(ByteReader.Truncated) -> ParsedFile {
        guard raw.count >= 24 else { throw ByteReader.Truncated() }
        var reader = ByteReader(raw)
        for byte in magic2 where try reader.read(UInt8.self) != byte { throw ByteReader.Truncated() }
        var tail = ByteReader(raw)
        tail.offset = raw.count - 16
        let footerOffset = Int(try tail.read(UInt64.self))
        guard footerOffset >= 8, footerOffset <= raw.count - 16 else { throw ByteReader.Truncated() }
        var footer = ByteReader(UnsafeRawBufferPointer(rebasing: raw[footerOffset..<(raw.count - 16)]))
        var file = ParsedFile()
        let dictionaryCount = Int(try footer.read(UInt32.self))
        for _ in 0..<dictionaryCount {
            let name = try footer.readString()
            let kind = try footer.read(UInt8.self)
            let count = Int(try footer.read(UInt32.self))
            if kind == Kind.tags.rawValue {
                var sets: [TagSet] = []
                sets.reserveCapacity(footer.capacity(for: count, bytesEach: 4))
                for _ in 0..<count { sets.append(try readTagSet(&footer)) }
                file.dictionaries[name] = .tagSets(sets)
            } else {
                var values: [String] = []
                values.reserveCapacity(footer.capacity(for: count, bytesEach: 4))
                for _ in 0..<count { values.append(try footer.readString()) }
                file.dictionaries[name] = .strings(values)
            }
        }
        while reader.offset < footerOffset {
            let length = Int(try reader.read(UInt64.self))
            guard reader.offset + length <= footerOffset else { throw ByteReader.Truncated() }
            var chunk = ByteReader(UnsafeRawBufferPointer(rebasing: raw[reader.offset..<reader.offset + length]))
            try reader.skip(length)
            let rows = Int(try chunk.read(UInt64.self))
            let columnCount = Int(try chunk.read(UInt32.self))
            var present: Set<String> = []
            for _ in 0..<columnCount {
                let name = try chunk.readString()
                guard let kind = Kind(rawValue: try chunk.read(UInt8.self)) else { throw ByteReader.Truncated() }
                var nulls: NullMask?
                var allNull = false
                let width: Int
                switch kind {
                case .string, .tags:
                    width = Int(try chunk.read(UInt8.self))
                    guard width == 1 || width == 2 || width == 4 else { throw ByteReader.Truncated() }
                case .decimal:
                    (nulls, allNull) = try readNulls(&chunk, rows: rows)
                    width = MemoryLayout<ExactDecimal>.stride
                case .timestamp:
                    (nulls, allNull) = try readNulls(&chunk, rows: rows)
                    width = 8
                }
                var values: UnsafeRawPointer?
                if !allNull {
                    values = chunk.bytes.baseAddress.map { UnsafeRawPointer($0) + chunk.offset }
                    try chunk.skip(rows * width)
                }
                if file.kinds[name] == nil {
                    file.names.append(name)
                    file.kinds[name] = kind
                    file.parts[name] = file.rows > 0 ? [Part(rows: file.rows, values: nil, nulls: nil, file: 0)] : []
                }
                guard file.kinds[name] == kind else { throw ByteReader.Truncated() }
                file.parts[name]!.append(Part(rows: rows, values: values, nulls: nulls, file: 0, width: width))
                present.insert(name)
            }
            for name in file.names where !present.contains(name) {
                file.parts[name]!.append(Part(rows: rows, values: nil, nulls: nil, file: 0))
            }
            file.rows += rows
        }
        return file
    }

    private static func readNulls(
        _ reader: inout ByteReader,
        rows: Int
    ) throws(ByteReader.Truncated) -> (NullMask?, allNull: Bool) {
        switch try reader.read(UInt8.self) {
        case 0: return (nil, false)
        case 1:
            return (NullMask(words: try reader.readArray(of: UInt64.self, count: (rows + 63) / 64), count: rows), false)
        case 2: return (nil, true)
        default: throw ByteReader.Truncated()
        }
    }
}
