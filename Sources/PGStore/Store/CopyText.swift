import FinOpsCore

/// PostgreSQL's COPY text format: fields separated by tabs, rows ended by newlines, `\N` for NULL, and backslash
/// escapes for backslash, tab, newline and carriage return inside values.
enum CopyText {
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let backslash = UInt8(ascii: "\\")
    static let null: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "N")]

    /// Appends `bytes` escaped for a COPY text field.
    ///
    /// - Returns: `false` if the bytes contain NUL, which PostgreSQL text cannot hold (nothing is appended then).
    @discardableResult
    static func appendEscaped(_ bytes: some Sequence<UInt8>, to out: inout [UInt8]) -> Bool {
        let start = out.count
        for byte in bytes {
            switch byte {
            case 0:
                out.removeSubrange(start...)
                return false
            case backslash: out += [backslash, backslash]
            case tab: out += [backslash, UInt8(ascii: "t")]
            case newline: out += [backslash, UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [backslash, UInt8(ascii: "r")]
            default: out.append(byte)
            }
        }
        return true
    }

    /// Appends an exact decimal as PostgreSQL `numeric` input: `-123.45`.
    static func appendDecimal(_ value: ExactDecimal, to out: inout [UInt8]) {
        let magnitude = value.units.magnitude
        if value.units < 0 { out.append(UInt8(ascii: "-")) }
        let one = UInt128(ExactDecimal.unitsPerOne)
        appendUnsigned(magnitude / one, to: &out)
        var fraction = UInt64(magnitude % one)
        guard fraction != 0 else { return }
        var digits = ExactDecimal.fractionDigits
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        out.append(UInt8(ascii: "."))
        var scratch = [UInt8](repeating: UInt8(ascii: "0"), count: digits)
        var position = digits
        while fraction > 0 {
            position -= 1
            scratch[position] = UInt8(ascii: "0") + UInt8(fraction % 10)
            fraction /= 10
        }
        out += scratch
    }

    static func appendUnsigned(_ value: UInt128, to out: inout [UInt8]) {
        if value <= UInt128(UInt64.max) {
            appendUnsigned(UInt64(value), to: &out)
            return
        }
        let low: UInt128 = 10_000_000_000_000_000_000
        appendUnsigned(value / low, to: &out)
        appendPadded(UInt64(value % low), width: 19, to: &out)
    }

    static func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, Int) = (value, 0)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(20)
        while digits.0 > 0 {
            scratch.append(UInt8(ascii: "0") + UInt8(digits.0 % 10))
            digits.0 /= 10
            digits.1 += 1
        }
        out += scratch.reversed()
    }

    static func appendPadded(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        var scratch = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = value
        var position = width
        while rest > 0, position > 0 {
            position -= 1
            scratch[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        out += scratch
    }

    /// Appends a UTC instant as `timestamptz` input: `2024-09-01 00:00:00.5+00`, with ` BC` for years before 1.
    static func appendTimestamp(_ microseconds: Int64, to out: inout [UInt8]) {
        let (seconds, micro) = Int(microseconds).floorDivided(by: 1_000_000)
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let (year, month, day) = Timestamp.civil(fromDays: days)
        let beforeChrist = year <= 0
        let shownYear = beforeChrist ? 1 - year : year
        appendPadded(UInt64(shownYear), width: max(4, String(shownYear).count), to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(UInt64(month), width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(UInt64(day), width: 2, to: &out)
        out.append(UInt8(ascii: " "))
        appendPadded(UInt64(secondOfDay / 3600), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay % 3600 / 60), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay % 60), width: 2, to: &out)
        if micro != 0 {
            out.append(UInt8(ascii: "."))
            appendPadded(UInt64(micro), width: 6, to: &out)
        }
        out += [UInt8(ascii: "+"), UInt8(ascii: "0"), UInt8(ascii: "0")]
        if beforeChrist { out += Array(" BC".utf8) }
    }

    /// A SQL expression for a text value that holds only hex digits, so user text never reaches SQL syntax
    /// (COPY statements take no parameters).
    static func hexLiteral(_ text: String) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in text.utf8 { hex += [digits[Int(byte >> 4)], digits[Int(byte & 15)]] }
        return "convert_from(decode('\(String(decoding: hex, as: UTF8.self))', 'hex'), 'UTF8')"
    }
}

/// Splits COPY text output into rows and unescaped fields.
struct CopyTextRows {
    /// Calls `row` with the fields of each whole row in `bytes` (`nil` for NULL).
    static func forEachRow(
        in bytes: [UInt8],
        fieldCount: Int,
        _ row: (_ fields: [ArraySlice<UInt8>?]) throws -> Void
    ) throws {
        var fields: [ArraySlice<UInt8>?] = []
        fields.reserveCapacity(fieldCount)
        var start = 0
        var index = 0
        var hasEscape = false
        let count = bytes.count
        func field(_ end: Int) -> ArraySlice<UInt8>? {
            let slice = bytes[start..<end]
            if slice.count == 2, slice.first == CopyText.backslash, slice.last == UInt8(ascii: "N") { return nil }
            return hasEscape ? ArraySlice(unescape(slice)) : slice
        }
        while index < count {
            let byte = bytes[index]
            if byte == CopyText.backslash {
                hasEscape = true
                index += 2
                continue
            }
            if byte == CopyText.tab || byte == CopyText.newline {
                fields.append(field(index))
                start = index + 1
                hasEscape = false
                if byte == CopyText.newline {
                    try row(fields)
                    fields.removeAll(keepingCapacity: true)
                }
            }
            index += 1
        }
    }

    static func unescape(_ slice: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(slice.count)
        var index = slice.startIndex
        while index < slice.endIndex {
            let byte = slice[index]
            guard byte == CopyText.backslash, index + 1 < slice.endIndex else {
                out.append(byte)
                index += 1
                continue
            }
            let next = slice[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "t"): out.append(CopyText.tab)
            case UInt8(ascii: "n"): out.append(CopyText.newline)
            case UInt8(ascii: "r"): out.append(UInt8(ascii: "\r"))
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "v"): out.append(11)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = Int(next - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, index < slice.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(slice[index])
                {
                    value = value * 8 + Int(slice[index] - UInt8(ascii: "0"))
                    index += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: value))
            default: out.append(next)
            }
        }
        return out
    }
}
