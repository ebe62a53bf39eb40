/// How tag sets are written in period file dictionaries (both formats).
extension PeriodFile {
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

    static func readTagSet(_ reader: inout ByteReader) throws(ByteReader.Truncated) -> TagSet {
        let count = Int(try reader.read(UInt32.self))
        var tags: [TagSet.Tag] = []
        tags.reserveCapacity(reader.capacity(for: count, bytesEach: 9))
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
