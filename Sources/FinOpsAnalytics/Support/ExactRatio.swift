import FinOpsCore

extension ExactDecimal {
    /// `self ÷ whole × 100` as text with `places` fractional digits, rounded half to even, exact (no binary floating
    /// point); `nil` when `whole` is zero.
    package func percent(of whole: ExactDecimal, places: Int = 2) -> String? {
        guard !whole.isZero, (0...10).contains(places) else { return nil }
        var scale: UInt128 = 100
        for _ in 0..<places { scale *= 10 }
        let numerator = units.magnitude.multipliedFullWidth(by: scale)
        let denominator = whole.units.magnitude
        // The quotient fits unless the part is more than about 10^(36-places) times the whole.
        guard numerator.high < denominator else { return nil }
        var quotient: UInt128
        let remainder: UInt128
        (quotient, remainder) = denominator.dividingFullWidth(numerator)
        // Half to even: compare twice the remainder with the divisor.
        let twice = remainder.multipliedFullWidth(by: 2)
        if twice.high > 0 || twice.low > denominator || (twice.low == denominator && quotient % 2 == 1) {
            guard quotient < UInt128.max else { return nil }
            quotient += 1
        }
        let negative = isNegative != whole.isNegative && quotient > 0
        var digits = String(quotient)
        if places > 0 {
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return (negative ? "-" : "") + digits
    }
}
