#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a text value relates to a column's allowed values.
enum ValueStatus: UInt8 {
    case allowed
    case wrongCase
    case notAllowed
}

/// Builds a dictionary-encoded text column, interning bytes so repeated values cost no allocation.
final class StringColumnBuilder {
    private var interner = ByteInterner()
    private var dictionary: [String] = []
    private var statuses: [ValueStatus] = []
    private(set) var codes: [UInt32] = []
    private let allowed: Set<String>?
    private let allowedLowercased: Set<String>

    init(allowedValues: [String]?, capacity: Int) {
        self.allowed = allowedValues.map(Set.init)
        self.allowedLowercased = Set((allowedValues ?? []).map { $0.lowercased() })
        codes.reserveCapacity(capacity)
    }

    /// Appends a value; `nil` if the bytes are not valid UTF-8.
    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> ValueStatus? {
        let (code, isNew) = interner.intern(bytes)
        if isNew {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                dictionary.append("")
                statuses.append(.notAllowed)
                return nil
            }
            dictionary.append(text)
            statuses.append(status(of: text))
        } else if dictionary[Int(code)].isEmpty, !bytes.isEmpty {
            return nil
        }
        codes.append(code)
        return statuses[Int(code)]
    }

    func appendNull() {
        codes.append(StringColumn.nullCode)
    }

    func truncate(to count: Int) {
        if codes.count > count { codes.removeLast(codes.count - count) }
    }

    func finish() -> StringColumn {
        StringColumn(codes: codes, dictionary: dictionary)
    }

    private func status(of text: String) -> ValueStatus {
        guard let allowed else { return .allowed }
        if allowed.contains(text) { return .allowed }
        return allowedLowercased.contains(text.lowercased()) ? .wrongCase : .notAllowed
    }
}

/// Builds a decimal column, parsing bytes straight into ``ExactDecimal``.
final class DecimalColumnBuilder {
    private(set) var values: [ExactDecimal] = []
    private var nulls = NullMask()
    private var hasNull = false

    init(capacity: Int) {
        values.reserveCapacity(capacity)
    }

    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) throws(DecimalParseError) {
        values.append(try ExactDecimal.parse(utf8: bytes))
        nulls.append(false)
    }

    func appendNull() {
        values.append(.zero)
        nulls.append(true)
        hasNull = true
    }

    func truncate(to count: Int) {
        if values.count > count { values.removeLast(values.count - count) }
        nulls.truncate(to: count)
    }

    func finish() -> DecimalColumn {
        DecimalColumn(values: values, nulls: hasNull && nulls.containsNull ? nulls : nil)
    }
}

/// Builds a timestamp column; consecutive rows often repeat a timestamp, so the last parse is reused.
final class TimestampColumnBuilder {
    private(set) var values: [Int64] = []
    private var nulls = NullMask()
    private var hasNull = false
    private var lastBytes: [UInt8] = []
    private var lastValue: Int64 = 0

    init(capacity: Int) {
        values.reserveCapacity(capacity)
    }

    /// Appends a timestamp; `false` if the bytes are not one.
    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.count == lastBytes.count, bytes.count > 0,
            lastBytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 })
        {
            values.append(lastValue)
            nulls.append(false)
            return true
        }
        guard let timestamp = Timestamp.parse(utf8: bytes) else { return false }
        lastBytes = Array(bytes)
        lastValue = timestamp.microsecondsSinceEpoch
        values.append(lastValue)
        nulls.append(false)
        return true
    }

    func appendNull() {
        values.append(0)
        nulls.append(true)
        hasNull = true
    }

    func truncate(to count: Int) {
        if values.count > count { values.removeLast(values.count - count) }
        nulls.truncate(to: count)
    }

    func finish() -> TimestampColumn {
        TimestampColumn(values: values, nulls: hasNull && nulls.containsNull ? nulls : nil)
    }
}

/// Builds a Tags column; each distinct JSON text is parsed once.
final class TagColumnBuilder {
    private var interner = ByteInterner()
    private var parsed: [Result<TagsParser.Result, TagsParser.Failure>] = []
    private(set) var codes: [UInt32] = []

    init(capacity: Int) {
        codes.reserveCapacity(capacity)
    }

    /// Appends the tags written in `bytes`, or returns why they are not a JSON object.
    @inline(__always)
    func append(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<TagsParser.Result, TagsParser.Failure> {
        let (code, isNew) = interner.intern(bytes)
        if isNew { parsed.append(Result { () throws(TagsParser.Failure) in try TagsParser.parse(bytes) }) }
        let result = parsed[Int(code)]
        if case .success = result { codes.append(code) }
        return result
    }

    func appendNull() {
        codes.append(TagColumn.nullCode)
    }

    func truncate(to count: Int) {
        if codes.count > count { codes.removeLast(codes.count - count) }
    }

    func finish() -> TagColumn {
        let sets = parsed.map { result -> TagSet in
            if case .success(let value) = result { return value.tags }
            return TagSet()
        }
        return TagColumn(codes: codes, sets: sets)
    }
}
