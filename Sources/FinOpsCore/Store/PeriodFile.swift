#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The binary file of one stored (source, period): a magic number, then chunks, each a serialized ``CostTable``
/// with its length and CRC-32. Columns are written as raw little-endian arrays, so reading one back is a copy,
/// not a parse.
enum PeriodFile {
    static let magic: [UInt8] = Array("FINOPSC1".utf8)

    private enum Kind: UInt8 {
        case string = 0
        case decimal = 1
        case timestamp = 2
        case tags = 3
    }

    private enum TagKind: UInt8 {
        case string = 0
        case number = 1
        case bool = 2
        case null = 3
        case json = 4
    }

    /// Appends one chunk holding `table`.
    static func writeChunk(_ table: CostTable, to writer: BufferedFileWriter) throws(CostStoreError) {
        var out = ByteWriter()
        out.append(UInt64(table.rowCount))
        out.append(UInt32(table.columns.count))
        for column in table.columns {
            out.append(column.name)
            switch column.data {
            case .string(let values):
                out.append(Kind.string.rawValue)
                out.append(UInt32(values.dictionary.count))
                for value in values.dictionary { out.append(value) }
                out.append(contentsOf: values.codes)
            case .decimal(let values):
                out.append(Kind.decimal.rawValue)
                append(values.nulls, to: &out)
                out.append(contentsOf: values.values)
            case .timestamp(let values):
                out.append(Kind.timestamp.rawValue)
                append(values.nulls, to: &out)
                out.append(contentsOf: values.values)
            case .tags(let values):
                out.append(Kind.tags.rawValue)
                out.append(UInt32(values.sets.count))
                for set in values.sets { append(set, to: &out) }
                out.append(contentsOf: values.codes)
            }
        }
        var header = ByteWriter()
        header.append(UInt64(out.bytes.count))
        try writer.append(header.bytes)
        try writer.append(out.bytes)
        var trailer = ByteWriter()
        trailer.append(UInt32(truncatingIfNeeded: out.bytes.withUnsafeBytes { checksum($0) }))
        try writer.append(trailer.bytes)
    }

    /// Reads a whole period file, checking its size and CRC-32 against the manifest's.
    static func read(path: String, expectedSize: Int, expectedChecksum: String) throws(CostStoreError) -> CostTable {
        let bytes = try readFile(path)
        guard bytes.count == expectedSize else {
            throw CostStoreError(.corrupt, "\(path) has \(bytes.count) bytes, the manifest recorded \(expectedSize)")
        }
        let result = bytes.withUnsafeBytes { raw -> Result<CostTable, CostStoreError> in
            let actual = hex(checksum(raw))
            guard actual == expectedChecksum else {
                return .failure(
                    CostStoreError(
                        .corrupt,
                        "\(path) has checksum \(actual), the manifest recorded \(expectedChecksum): the file was altered"
                    )
                )
            }
            guard let table = try? decode(raw) else {
                return .failure(CostStoreError(.corrupt, "\(path) is truncated or not a period file"))
            }
            return .success(table)
        }
        return try result.get()
    }

    private static func decode(_ raw: UnsafeRawBufferPointer) throws(ByteReader.Truncated) -> CostTable {
        var reader = ByteReader(raw)
        for byte in magic where try reader.read(UInt8.self) != byte { throw ByteReader.Truncated() }
        var chunks: [CostTable] = []
        while reader.offset < raw.count {
            let length = Int(try reader.read(UInt64.self))
            guard reader.offset + length + 4 <= raw.count else { throw ByteReader.Truncated() }
            let payload = UnsafeRawBufferPointer(rebasing: raw[reader.offset..<reader.offset + length])
            try reader.skip(length)
            let crc = try reader.read(UInt32.self)
            guard UInt32(truncatingIfNeeded: checksum(payload)) == crc else { throw ByteReader.Truncated() }
            chunks.append(try decodeChunk(payload))
        }
        return CostTable.concatenating(chunks)
    }

    private static func decodeChunk(_ raw: UnsafeRawBufferPointer) throws(ByteReader.Truncated) -> CostTable {
        var reader = ByteReader(raw)
        let rows = Int(try reader.read(UInt64.self))
        let columnCount = Int(try reader.read(UInt32.self))
        var columns: [CostTable.Column] = []
        for _ in 0..<columnCount {
            let name = try reader.readString()
            guard let kind = Kind(rawValue: try reader.read(UInt8.self)) else { throw ByteReader.Truncated() }
            let data: CostTable.ColumnData
            switch kind {
            case .string:
                let count = Int(try reader.read(UInt32.self))
                var dictionary: [String] = []
                dictionary.reserveCapacity(count)
                for _ in 0..<count { dictionary.append(try reader.readString()) }
                data = .string(
                    StringColumn(codes: try reader.readArray(of: UInt32.self, count: rows), dictionary: dictionary)
                )
            case .decimal:
                let nulls = try readNulls(&reader, rows: rows)
                data = .decimal(
                    DecimalColumn(values: try reader.readArray(of: ExactDecimal.self, count: rows), nulls: nulls)
                )
            case .timestamp:
                let nulls = try readNulls(&reader, rows: rows)
                data = .timestamp(
                    TimestampColumn(values: try reader.readArray(of: Int64.self, count: rows), nulls: nulls)
                )
            case .tags:
                let count = Int(try reader.read(UInt32.self))
                var sets: [TagSet] = []
                sets.reserveCapacity(count)
                for _ in 0..<count { sets.append(try readTagSet(&reader)) }
                data = .tags(TagColumn(codes: try reader.readArray(of: UInt32.self, count: rows), sets: sets))
            }
            columns.append(CostTable.Column(name: name, data: data))
        }
        return CostTable(rowCount: rows, columns: columns)
    }

    private static func append(_ nulls: NullMask?, to out: inout ByteWriter) {
        guard let nulls else {
            out.append(UInt8(0))
            return
        }
        out.append(UInt8(1))
        out.append(contentsOf: nulls.words)
    }

    private static func readNulls(_ reader: inout ByteReader, rows: Int) throws(ByteReader.Truncated) -> NullMask? {
        guard try reader.read(UInt8.self) == 1 else { return nil }
        return NullMask(words: try reader.readArray(of: UInt64.self, count: (rows + 63) / 64), count: rows)
    }

    private static func append(_ set: TagSet, to out: inout ByteWriter) {
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

/// The whole content of a file.
func readFile(_ path: String) throws(CostStoreError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else { throw CostStoreError(.io, "cannot open \(path): \(systemError())") }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw CostStoreError(.io, "cannot stat \(path): \(systemError())") }
    let size = Int(info.st_size)
    var failure: CostStoreError?
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
        var offset = 0
        while offset < size {
            let count = posixRead(descriptor, buffer.baseAddress! + offset, size - offset)
            if count < 0, errno == EINTR { continue }
            if count <= 0 {
                failure = CostStoreError(.io, "cannot read \(path): \(count < 0 ? systemError() : "file shrank")")
                break
            }
            offset += count
        }
        initialized = offset
    }
    if let failure { throw failure }
    return bytes
}
