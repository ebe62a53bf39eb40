/// Reading period files of format 3 (``PeriodFileDirectory``): the directory is checked against the manifest and
/// parsed; blocks are checked when their column is read.
extension PeriodFile {
    static func parseFormat3(
        _ raw: UnsafeRawBufferPointer,
        path: String,
        directoryChecksum: String
    ) throws(CostStoreError) -> ParsedFile {
        let magic = PeriodFileDirectory.magic
        let trailer = PeriodFileDirectory.trailerSize
        let truncated = CostStoreError(.corrupt, "\(path) is truncated or not a period file of format 3")
        guard raw.count >= magic.count + trailer, raw.prefix(magic.count).elementsEqual(magic),
            raw.suffix(magic.count).elementsEqual(magic)
        else { throw truncated }
        var tail = ByteReader(UnsafeRawBufferPointer(rebasing: raw[(raw.count - trailer)...]))
        let directory: PeriodFileDirectory
        do {
            let crc = try tail.read(UInt32.self)
            let offset = try tail.read(UInt64.self)
            let length = try tail.read(UInt64.self)
            let end = UInt64(raw.count - trailer)
            guard offset >= UInt64(magic.count), length <= end, offset <= end - length else { throw truncated }
            let bytes = UnsafeRawBufferPointer(rebasing: raw[Int(offset)..<Int(offset + length)])
            let actual = CRC32C.update(0, bytes)
            guard actual == crc, CRC32.hex(UInt(actual)) == directoryChecksum else {
                throw CostStoreError(
                    .corrupt,
                    "\(path): its directory has checksum \(CRC32.hex(UInt(actual))), the manifest recorded "
                        + "\(directoryChecksum): the file was altered"
                )
            }
            directory = try PeriodFileDirectory(decoding: bytes, limit: Int(offset))
        } catch let error as CostStoreError {
            throw error
        } catch {
            throw truncated
        }
        guard let base = raw.baseAddress else { throw truncated }
        func check(_ block: PeriodFileDirectory.Block, _ what: String) -> Check {
            Check(
                bytes: UnsafeRawBufferPointer(start: base + block.offset, count: block.length),
                crc: block.crc,
                what: what
            )
        }
        var file = ParsedFile()
        file.rows = directory.rowCount
        file.chunkRows = directory.chunkRows
        for column in directory.columns {
            guard file.kinds[column.name] == nil else { throw truncated }
            file.names.append(column.name)
            file.kinds[column.name] = column.kind
            if let dictionary = column.dictionary {
                file.dictionaries[column.name] = .block(
                    check(dictionary, "the dictionary of \(column.name)"),
                    count: column.dictionaryCount
                )
            }
            var parts: [Part] = []
            for (chunk, (entry, rows)) in zip(column.parts, directory.chunkRows).enumerated() {
                var part = Part(rows: rows, values: nil, nulls: nil, file: 0, width: entry.encoding.width)
                part.bounds = entry.bounds
                if let values = entry.values {
                    part.values = UnsafeRawPointer(base + values.offset)
                    part.checks.append(check(values, "column \(column.name), chunk \(chunk + 1)"))
                }
                if let nulls = entry.nulls {
                    part.nullWords = UnsafeRawPointer(base + nulls.offset)
                    part.checks.append(check(nulls, "the nulls of column \(column.name), chunk \(chunk + 1)"))
                }
                switch entry.encoding {
                case .decimalPacked(let plan): part.encoding = .decimalPacked(plan)
                case .timestampPacked(let plan): part.encoding = .timestampPacked(plan)
                case .absent, .codes, .decimal128, .timestamp64: break
                }
                parts.append(part)
            }
            file.parts[column.name] = parts
        }
        return file
    }
}
