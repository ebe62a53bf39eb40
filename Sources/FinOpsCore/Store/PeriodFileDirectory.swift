/// Where each block of a format 3 period file is, how it is encoded and its CRC-32C: the part of the file a read
/// verifies first (against the manifest), so that it then verifies only the blocks of the columns it reads.
///
/// File layout: the magic `FINOPSC3`; blocks (column values, null masks and dictionaries, in any order); the
/// directory; its CRC-32C (`UInt32`), offset and length (`UInt64` each); the magic again. All integers are little
/// endian.
struct PeriodFileDirectory: Hashable {
    static let magic: [UInt8] = Array("FINOPSC3".utf8)
    /// CRC-32C, offset and length of the directory, then the magic.
    static let trailerSize = 4 + 8 + 8 + 8

    /// A run of bytes of the file.
    struct Block: Hashable {
        var offset: Int
        var length: Int
        var crc: UInt32
    }

    /// How one column's values are written in one chunk.
    enum Encoding: Hashable {
        /// The column is absent from the chunk or all null: no values.
        case absent
        /// Dictionary codes of 1, 2 or 4 bytes (all ones is null).
        case codes(width: Int)
        /// Decimals as `Int128` units.
        case decimal128
        /// Decimals as offsets of `plan.width` bytes: (base + offset) × 10^exponent units (null rows hold 0).
        case decimalPacked(DecimalPacking.Plan)
        /// Instants as `Int64` microseconds.
        case timestamp64
        /// Instants as offsets of `plan.width` bytes: base + offset × step microseconds (null rows hold offset 0).
        case timestampPacked(TimestampPacking.Plan)

        /// The bytes each row's value takes.
        var width: Int {
            switch self {
            case .absent: 0
            case .codes(let width): width
            case .decimal128: 16
            case .timestamp64: 8
            case .decimalPacked(let plan): plan.width
            case .timestampPacked(let plan): plan.width
            }
        }
    }

    /// One column's values in one chunk.
    struct Part: Hashable {
        var encoding: Encoding
        var values: Block?
        /// The null mask (one bit a row), when some but not all rows are null.
        var nulls: Block?
        /// Timestamp columns: the least and greatest non-null instant (the chunk's zone map), which lets a read
        /// skip chunks a query's time range excludes.
        var bounds: ClosedRange<Int64>?
    }

    struct Column: Hashable {
        var name: String
        var kind: PeriodFile.Kind
        /// Text and Tags columns: the file-wide dictionary and its number of entries.
        var dictionary: Block?
        var dictionaryCount = 0
        /// One part per chunk.
        var parts: [Part] = []
    }

    /// The rows of each chunk.
    var chunkRows: [Int] = []
    var columns: [Column] = []

    var rowCount: Int { chunkRows.reduce(0, +) }

    init() {}

    // MARK: - Encoding

    func encoded() -> [UInt8] {
        var out = ByteWriter()
        out.append(UInt32(chunkRows.count))
        for rows in chunkRows { out.append(UInt64(rows)) }
        out.append(UInt32(columns.count))
        for column in columns {
            out.append(column.name)
            out.append(column.kind.rawValue)
            if column.kind == .string || column.kind == .tags {
                Self.append(column.dictionary ?? Block(offset: 0, length: 0, crc: 0), to: &out)
                out.append(UInt32(column.dictionaryCount))
            }
            for part in column.parts {
                switch part.encoding {
                case .absent: out.append(UInt8(0))
                case .codes(let width):
                    out.append(UInt8(1))
                    out.append(UInt8(width))
                case .decimal128: out.append(UInt8(2))
                case .decimalPacked(let plan):
                    out.append(UInt8(3))
                    out.append(UInt8(plan.exponent))
                    out.append(UInt8(plan.width))
                    out.append(UInt64(truncatingIfNeeded: plan.base))
                    out.append(UInt64(truncatingIfNeeded: plan.base >> 64))
                case .timestamp64: out.append(UInt8(4))
                case .timestampPacked(let plan):
                    out.append(UInt8(5))
                    out.append(plan.base)
                    out.append(plan.step)
                    out.append(UInt8(plan.width))
                }
                if case .timestamp64 = part.encoding { Self.append(part.bounds, to: &out) }
                if case .timestampPacked = part.encoding { Self.append(part.bounds, to: &out) }
                if let values = part.values { Self.append(values, to: &out) }
                if let nulls = part.nulls {
                    out.append(UInt8(1))
                    Self.append(nulls, to: &out)
                } else {
                    out.append(UInt8(0))
                }
            }
        }
        return out.bytes
    }

    private static func append(_ bounds: ClosedRange<Int64>?, to out: inout ByteWriter) {
        out.append(bounds?.lowerBound ?? .min)
        out.append(bounds?.upperBound ?? .max)
    }

    private static func append(_ block: Block, to out: inout ByteWriter) {
        out.append(UInt64(block.offset))
        out.append(UInt64(block.length))
        out.append(block.crc)
    }

    // MARK: - Decoding

    /// Reads a directory, checking that every block lies inside `[8, limit)` and every part has the room its rows
    /// need, so nothing read through it later can leave the file.
    init(decoding bytes: UnsafeRawBufferPointer, limit: Int) throws(ByteReader.Truncated) {
        var reader = ByteReader(bytes)
        let chunkCount = Int(try reader.read(UInt32.self))
        for _ in 0..<chunkCount {
            let rows = try reader.read(UInt64.self)
            guard rows <= UInt64(Int32.max) else { throw ByteReader.Truncated() }
            chunkRows.append(Int(rows))
        }
        let columnCount = Int(try reader.read(UInt32.self))
        for _ in 0..<columnCount {
            let name = try reader.readString()
            guard let kind = PeriodFile.Kind(rawValue: try reader.read(UInt8.self)) else {
                throw ByteReader.Truncated()
            }
            var column = Column(name: name, kind: kind)
            if kind == .string || kind == .tags {
                column.dictionary = try Self.block(&reader, limit: limit)
                column.dictionaryCount = Int(try reader.read(UInt32.self))
            }
            for rows in chunkRows {
                let encoding: Encoding
                switch try reader.read(UInt8.self) {
                case 0: encoding = .absent
                case 1:
                    let width = Int(try reader.read(UInt8.self))
                    guard width == 1 || width == 2 || width == 4, kind == .string || kind == .tags else {
                        throw ByteReader.Truncated()
                    }
                    encoding = .codes(width: width)
                case 2 where kind == .decimal: encoding = .decimal128
                case 3 where kind == .decimal:
                    let exponent = Int(try reader.read(UInt8.self))
                    let width = Int(try reader.read(UInt8.self))
                    let low = try reader.read(UInt64.self)
                    let high = try reader.read(UInt64.self)
                    guard exponent <= 18, width <= 16 else { throw ByteReader.Truncated() }
                    let base = Int128(bitPattern: UInt128(high) << 64 | UInt128(low))
                    encoding = .decimalPacked(.init(exponent: exponent, base: base, width: width))
                case 4 where kind == .timestamp: encoding = .timestamp64
                case 5 where kind == .timestamp:
                    let base = try reader.read(Int64.self)
                    let step = try reader.read(Int64.self)
                    let width = Int(try reader.read(UInt8.self))
                    guard width <= 8 else { throw ByteReader.Truncated() }
                    encoding = .timestampPacked(.init(base: base, step: step, width: width))
                default: throw ByteReader.Truncated()
                }
                var part = Part(encoding: encoding)
                switch encoding {
                case .timestamp64, .timestampPacked:
                    let lower = try reader.read(Int64.self)
                    let upper = try reader.read(Int64.self)
                    guard lower <= upper else { throw ByteReader.Truncated() }
                    part.bounds = lower...upper
                default:
                    break
                }
                if encoding != .absent {
                    let values = try Self.block(&reader, limit: limit)
                    guard values.length == rows * encoding.width else { throw ByteReader.Truncated() }
                    part.values = values
                }
                switch try reader.read(UInt8.self) {
                case 0: break
                case 1:
                    let nulls = try Self.block(&reader, limit: limit)
                    guard encoding != .absent, nulls.length == (rows + 63) / 64 * 8 else {
                        throw ByteReader.Truncated()
                    }
                    part.nulls = nulls
                default: throw ByteReader.Truncated()
                }
                column.parts.append(part)
            }
            columns.append(column)
        }
        guard reader.offset == bytes.count else { throw ByteReader.Truncated() }
    }

    private static func block(_ reader: inout ByteReader, limit: Int) throws(ByteReader.Truncated) -> Block {
        let offset = try reader.read(UInt64.self)
        let length = try reader.read(UInt64.self)
        let crc = try reader.read(UInt32.self)
        guard offset >= 8, length <= UInt64(limit), offset <= UInt64(limit) - length else {
            throw ByteReader.Truncated()
        }
        return Block(offset: Int(offset), length: Int(length), crc: crc)
    }
}
