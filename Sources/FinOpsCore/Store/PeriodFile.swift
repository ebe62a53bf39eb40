import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The binary file of one stored (source, period).
///
/// Layout: the magic `FINOPSC2`; chunks, each a ``CostTable`` batch after its byte length, whose text and Tags
/// columns hold codes into file-wide dictionaries; the dictionaries; the dictionaries' offset and the magic
/// again. The manifest holds the whole file's size and CRC-32. Columns are raw little-endian arrays and the
/// dictionaries are already merged, so reading a period back is a copy, not a parse.
enum PeriodFile {
    static let magic: [UInt8] = Array("FINOPSC2".utf8)

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
        var checksum: String
    }

    /// Reads a whole period file, checking its size and CRC-32 against the manifest's.
    static func read(path: String, expectedSize: Int, expectedChecksum: String) throws(CostStoreError) -> CostTable {
        try read([Location(path: path, size: expectedSize, checksum: expectedChecksum)])
    }

    /// Reads period files into one table (only the columns the filter includes): each column is assembled once, its
    /// dictionaries merged and its codes remapped while copying, several columns at once.
    static func read(_ locations: [Location], columns: CostFilter = .all) throws(CostStoreError) -> CostTable {
        var files: [MappedFile] = []
        var parsed: [ParsedFile] = []
        for location in locations {
            let file = try MappedFile(path: location.path)
            guard file.bytes.count == location.size else {
                throw CostStoreError(
                    .corrupt,
                    "\(location.path) has \(file.bytes.count) bytes, the manifest recorded \(location.size)"
                )
            }
            let actual = CRC32.hex(CRC32.parallel(file.bytes))
            guard actual == location.checksum else {
                throw CostStoreError(
                    .corrupt,
                    "\(location.path) has checksum \(actual), the manifest recorded \(location.checksum): the file was altered"
                )
            }
            do {
                parsed.append(try parse(file.bytes))
            } catch {
                throw CostStoreError(.corrupt, "\(location.path) is truncated or not a period file")
            }
            files.append(file)
        }
        let table = withExtendedLifetime(files) { assemble(parsed, columns: columns) }
        return table
    }

    /// One column's values in one chunk, pointing into a mapped file.
    private struct Part {
        var rows: Int
        /// `nil` when the column is absent from the chunk or all null.
        var values: UnsafeRawPointer?
        var nulls: NullMask?
        /// For text and Tags columns: which file's dictionary the codes index, and their width in bytes.
        var file: Int
        var width = 4

        /// The code of a row of a text or Tags part (`UInt32.max` for null, whatever the width).
        @inline(__always)
        func code(_ row: Int) -> UInt32 {
            switch width {
            case 1:
                let code = values!.load(fromByteOffset: row, as: UInt8.self)
                return code == .max ? .max : UInt32(code)
            case 2:
                let code = values!.loadUnaligned(fromByteOffset: row * 2, as: UInt16.self)
                return code == .max ? .max : UInt32(UInt16(littleEndian: code))
            default:
                return UInt32(littleEndian: values!.loadUnaligned(fromByteOffset: row * 4, as: UInt32.self))
            }
        }
    }

    private struct ParsedFile {
        var strings: [String: [String]] = [:]
        var tagSets: [String: [TagSet]] = [:]
        var names: [String] = []
        var kinds: [String: Kind] = [:]
        var parts: [String: [Part]] = [:]
        var rows = 0
    }

    private static func parse(_ raw: UnsafeRawBufferPointer) throws(ByteReader.Truncated) -> ParsedFile {
        guard raw.count >= 24 else { throw ByteReader.Truncated() }
        var reader = ByteReader(raw)
        for byte in magic where try reader.read(UInt8.self) != byte { throw ByteReader.Truncated() }
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
                sets.reserveCapacity(count)
                for _ in 0..<count { sets.append(try readTagSet(&footer)) }
                file.tagSets[name] = sets
            } else {
                var values: [String] = []
                values.reserveCapacity(count)
                for _ in 0..<count { values.append(try footer.readString()) }
                file.strings[name] = values
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

    private static func assemble(_ files: [ParsedFile], columns: CostFilter) -> CostTable {
        var names: [String] = []
        var kinds: [String: Kind] = [:]
        for file in files {
            for name in file.names where kinds[name] == nil && columns.includes(column: name) {
                names.append(name)
                kinds[name] = file.kinds[name]
            }
        }
        let total = files.reduce(0) { $0 + $1.rows }
        // Each column's parts across all files, in order.
        var partsByName: [String: [Part]] = [:]
        for name in names {
            var parts: [Part] = []
            for (index, file) in files.enumerated() {
                if let own = file.parts[name] {
                    parts += own.map {
                        Part(rows: $0.rows, values: $0.values, nulls: $0.nulls, file: index, width: $0.width)
                    }
                } else if file.rows > 0 {
                    parts.append(Part(rows: file.rows, values: nil, nulls: nil, file: index))
                }
            }
            partsByName[name] = parts
        }
        // Columns are independent: each worker writes only its own slot.
        let slots = UncheckedSendable(UnsafeMutableBufferPointer<CostTable.Column?>.allocate(capacity: names.count))
        slots.value.initialize(repeating: nil)
        defer { slots.value.deallocate() }
        let work = UncheckedSendable { (index: Int) in
            let name = names[index]
            let parts = partsByName[name]!
            let data: CostTable.ColumnData
            switch kinds[name]! {
            case .string:
                data = .string(assembleStrings(parts, dictionaries: files.map { $0.strings[name] ?? [] }, total: total))
            case .tags:
                data = .tags(assembleTags(parts, sets: files.map { $0.tagSets[name] ?? [] }, total: total))
            case .decimal:
                let values: [ExactDecimal] = gather(parts, total: total, missing: .zero)
                data = .decimal(DecimalColumn(values: values, nulls: gatherNulls(parts)))
            case .timestamp:
                let values: [Int64] = gather(parts, total: total, missing: 0)
                data = .timestamp(TimestampColumn(values: values, nulls: gatherNulls(parts)))
            }
            slots.value[index] = CostTable.Column(name: name, data: data)
        }
        if total >= 16_384 {
            DispatchQueue.concurrentPerform(iterations: names.count) { work.value($0) }
        } else {
            for index in names.indices { work.value(index) }
        }
        return CostTable(rowCount: total, columns: slots.value.map { $0! })
    }

    private static func assembleStrings(_ parts: [Part], dictionaries: [[String]], total: Int) -> StringColumn {
        var dictionary: [String] = []
        var remaps: [[UInt32]] = []
        if dictionaries.count == 1 {
            dictionary = dictionaries[0]
        } else {
            var interner = ByteInterner()
            for values in dictionaries {
                remaps.append(
                    values.map { value in
                        var utf8 = value
                        let (code, isNew) = utf8.withUTF8 { interner.intern($0) }
                        if isNew { dictionary.append(value) }
                        return code
                    }
                )
            }
        }
        let codes = [UInt32](unsafeUninitializedCapacity: total) { buffer, initialized in
            var offset = 0
            for part in parts {
                let target = buffer.baseAddress! + offset
                if let values = part.values {
                    if remaps.isEmpty && part.width == 4 {
                        memcpy(target, values, part.rows * 4)
                    } else if remaps.isEmpty {
                        for row in 0..<part.rows { target[row] = part.code(row) }
                    } else {
                        remaps[part.file].withUnsafeBufferPointer { remap in
                            for row in 0..<part.rows {
                                let code = part.code(row)
                                target[row] = code == StringColumn.nullCode ? code : remap[Int(code)]
                            }
                        }
                    }
                } else {
                    target.initialize(repeating: StringColumn.nullCode, count: part.rows)
                }
                offset += part.rows
            }
            initialized = total
        }
        return StringColumn(codes: codes, dictionary: dictionary)
    }

    private static func assembleTags(_ parts: [Part], sets: [[TagSet]], total: Int) -> TagColumn {
        var offsets: [UInt32] = []
        var all: [TagSet] = []
        for fileSets in sets {
            offsets.append(UInt32(all.count))
            all += fileSets
        }
        let codes = [UInt32](unsafeUninitializedCapacity: total) { buffer, initialized in
            var offset = 0
            for part in parts {
                let target = buffer.baseAddress! + offset
                if part.values != nil {
                    let shift = offsets[part.file]
                    for row in 0..<part.rows {
                        let code = part.code(row)
                        target[row] = code == TagColumn.nullCode ? code : code &+ shift
                    }
                } else {
                    target.initialize(repeating: TagColumn.nullCode, count: part.rows)
                }
                offset += part.rows
            }
            initialized = total
        }
        return TagColumn(codes: codes, sets: all)
    }

    /// One array of every part's values, with `missing` where a part lacks the column.
    private static func gather<T>(_ parts: [Part], total: Int, missing: T) -> [T] {
        [T](unsafeUninitializedCapacity: total) { buffer, initialized in
            var offset = 0
            for part in parts {
                let target = buffer.baseAddress! + offset
                if let values = part.values {
                    memcpy(target, values, part.rows * MemoryLayout<T>.stride)
                } else {
                    target.initialize(repeating: missing, count: part.rows)
                }
                offset += part.rows
            }
            initialized = total
        }
    }

    private static func gatherNulls(_ parts: [Part]) -> NullMask? {
        guard parts.contains(where: { $0.values == nil || $0.nulls != nil }) else { return nil }
        var mask = NullMask()
        for part in parts {
            if let nulls = part.nulls {
                mask.append(contentsOf: nulls)
            } else {
                mask.append(repeating: part.values == nil, count: part.rows)
            }
        }
        return mask
    }

    /// Writes how a column's nulls are stored: 0 none, 1 a mask follows, 2 all null (no values follow).
    /// Returns whether the values must follow.
    static func append(_ nulls: NullMask?, rows: Int, to out: inout ByteWriter) -> Bool {
        guard let nulls else {
            out.append(UInt8(0))
            return true
        }
        if nulls.nullCount == rows {
            out.append(UInt8(2))
            return false
        }
        out.append(UInt8(1))
        out.append(contentsOf: nulls.words)
        return true
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

    static func append(_ set: TagSet, to out: inout ByteWriter) {
        out.append(UInt32(set.tags.count))
        for tag in set.tags {
            out.append(tag.key)
            switch tag.value {
            case .string(let value):
                out.append(TagKind.string.rawValue)
                out.append(value)
            case .number(let value):
                out.append(TagKind.number.rawValue)
                out.append(value)
            case .bool(let value):
                out.append(TagKind.bool.rawValue)
                out.append(value ? "true" : "false")
            case .null:
                out.append(TagKind.null.rawValue)
                out.append("")
            case .json(let value):
                out.append(TagKind.json.rawValue)
                out.append(value)
            }
        }
    }

    private static func readTagSet(_ reader: inout ByteReader) throws(ByteReader.Truncated) -> TagSet {
        let count = Int(try reader.read(UInt32.self))
        var tags: [TagSet.Tag] = []
        tags.reserveCapacity(count)
        for _ in 0..<count {
            let key = try reader.readString()
            let kind = try reader.read(UInt8.self)
            let text = try reader.readString()
            let value: TagValue
            switch TagKind(rawValue: kind) {
            case .string?: value = .string(text)
            case .number?: value = .number(text)
            case .bool?: value = .bool(text == "true")
            case .null?: value = .null
            case .json?: value = .json(text)
            case nil: throw ByteReader.Truncated()
            }
            tags.append(TagSet.Tag(key: key, value: value))
        }
        return TagSet(tags)
    }
}
