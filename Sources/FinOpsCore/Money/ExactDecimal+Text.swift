/// Why a text is not a valid ``ExactDecimal``.
public struct DecimalParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kinds of failure.
    public enum Reason: Sendable, Hashable {
        /// The text is not a number (`abc`, `1.2.3`, `1e`, empty).
        case malformed
        /// A non-zero digit lies past the 18th fractional place.
        case tooManyFractionDigits
        /// The magnitude does not fit.
        case outOfRange
    }

    /// What is wrong.
    public var reason: Reason

    public init(reason: Reason) {
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .malformed: "not a decimal number"
        case .tooManyFractionDigits: "more than \(ExactDecimal.fractionDigits) significant fractional digits"
        case .outOfRange: "magnitude exceeds \(ExactDecimal.greatestFiniteMagnitude)"
        }
    }
}

extension ExactDecimal: LosslessStringConvertible, CustomStringConvertible {
    /// Parses a decimal such as `-12.50`, `0.00000080000`, `1.2E-10` or `-3e+2`; `nil` if the text is not one.
    public init?(_ description: String) {
        guard let value = try? ExactDecimal.parse(description) else { return nil }
        self = value
    }

    /// Parses a decimal from text.
    ///
    /// - Throws: ``DecimalParseError`` saying why the text is not an exact decimal.
    public static func parse(_ text: some StringProtocol) throws(DecimalParseError) -> ExactDecimal {
        var string = String(text)
        return try string.withUTF8 { parseResult($0) }.get()
    }

    /// Parses a decimal from UTF-8 bytes without allocating.
    ///
    /// - Throws: ``DecimalParseError`` saying why the bytes are not an exact decimal.
    @inlinable
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) throws(DecimalParseError) -> ExactDecimal {
        try parseResult(bytes).get()
    }

    @usableFromInline
    static func parseResult(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<ExactDecimal, DecimalParseError> {
        var index = 0
        let count = bytes.count
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        // Significant digits accumulate in a UInt64 while they fit (the common case), then in Int128.
        var small: UInt64 = 0
        var large: Int128 = 0
        var useLarge = false
        var significantDigits = 0
        var pendingZeros = 0
        var exponent = 0
        var sawDigit = false
        var sawPoint = false
        while index < count {
            let byte = bytes[index]
            if byte &>> 4 == 3, byte & 0x0F <= 9 {
                sawDigit = true
                if sawPoint { exponent -= 1 }
                let digit = byte & 0x0F
                if digit == 0 {
                    if significantDigits > 0 { pendingZeros += 1 }
                } else {
                    significantDigits += pendingZeros + 1
                    if significantDigits > 39 { return .failure(DecimalParseError(reason: .outOfRange)) }
                    if !useLarge && significantDigits <= 19 {
                        for _ in 0..<pendingZeros { small = small &* 10 }
                        small = small &* 10 &+ UInt64(digit)
                    } else {
                        if !useLarge {
                            large = Int128(small)
                            useLarge = true
                        }
                        let (scaled, overflow) = large.multipliedReportingOverflow(by: powerOfTen(pendingZeros + 1))
                        let (sum, carry) = scaled.addingReportingOverflow(Int128(digit))
                        if overflow || carry { return .failure(DecimalParseError(reason: .outOfRange)) }
                        large = sum
                    }
                    pendingZeros = 0
                }
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard sawDigit else { return .failure(DecimalParseError(reason: .malformed)) }
        exponent += pendingZeros
        if index < count {
            guard bytes[index] | 0x20 == UInt8(ascii: "e") else {
                return .failure(DecimalParseError(reason: .malformed))
            }
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            var written = 0
            var digits = 0
            while index < count, bytes[index] &>> 4 == 3, bytes[index] & 0x0F <= 9 {
                written = min(written * 10 + Int(bytes[index] & 0x0F), 100_000)
                digits += 1
                index += 1
            }
            guard digits > 0, index == count else { return .failure(DecimalParseError(reason: .malformed)) }
            exponent += exponentNegative ? -written : written
        }
        if significantDigits == 0 { return .success(.zero) }
        let mantissa = useLarge ? large : Int128(small)
        let shift = exponent + fractionDigits
        if shift < 0 { return .failure(DecimalParseError(reason: .tooManyFractionDigits)) }
        if shift + significantDigits > 39 { return .failure(DecimalParseError(reason: .outOfRange)) }
        let (units, overflow) = mantissa.multipliedReportingOverflow(by: powerOfTen(min(shift, 38)))
        if overflow { return .failure(DecimalParseError(reason: .outOfRange)) }
        return .success(ExactDecimal(units: negative ? 0 - units : units))
    }

    /// The shortest exact text of the value: no exponent, no trailing fractional zeros (`-0.0000008`, `12.5`, `3`).
    public var description: String {
        var text = ""
        write(to: &text)
        return text
    }

    /// Appends ``description`` to a string without intermediate allocations.
    public func write(to text: inout String) {
        let magnitude = units.magnitude
        if units < 0 { text.append("-") }
        let one = UInt128(Self.unitsPerOne)
        text.append(String(magnitude / one))
        var fraction = magnitude % one
        guard fraction != 0 else { return }
        var digits = Self.fractionDigits
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let fractionText = String(fraction)
        text.append(".")
        for _ in fractionText.utf8.count..<digits { text.append("0") }
        text.append(fractionText)
    }

    /// The text with exactly `places` fractional digits, rounded half away from zero (for display only).
    ///
    /// A value within half a step of the greatest magnitude rounds beyond it (`…727.7` to no places is `…728`): the
    /// text is built from the unsigned magnitude, which holds it, not from a rounded `ExactDecimal`, which could not.
    public func formatted(places: Int) -> String {
        precondition(places >= 0 && places <= Self.fractionDigits)
        let step = UInt128(powerOfTen(Self.fractionDigits - places))
        var magnitude = units.magnitude
        let remainder = magnitude % step
        magnitude -= remainder
        // At most 2^127 plus 10^18: within UInt128.
        if remainder * 2 >= step { magnitude += step }
        let one = UInt128(Self.unitsPerOne)
        var text = units < 0 && magnitude != 0 ? "-" : ""
        text.append(String(magnitude / one))
        guard places > 0 else { return text }
        let fraction = String((magnitude % one) / step)
        text.append(".")
        text.append(String(repeating: "0", count: places - fraction.utf8.count))
        text.append(fraction)
        return text
    }
}

extension ExactDecimal: Codable {
    /// Decodes from a JSON string (every digit kept) or an integer.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            self.init(integer)
            return
        }
        let text = try container.decode(String.self)
        do {
            self = try ExactDecimal.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text): \(error)")
        }
    }

    /// Encodes as a JSON string with every digit, so no JSON reader rounds it through a double.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
