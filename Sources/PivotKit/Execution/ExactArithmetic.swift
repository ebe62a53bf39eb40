import FinOpsCore

/// `lhs / rhs` of two fixed-point unit counts as units of 10⁻¹⁸, rounded half to even; `nil` if it does not fit.
///
/// Long division, one decimal digit at a time, so no intermediate exceeds the divisor times ten.
func exactQuotient(_ lhs: Int128, _ rhs: Int128) -> Int128? {
    let negative = (lhs < 0) != (rhs < 0)
    let a = lhs.magnitude
    let b = rhs.magnitude
    guard b <= UInt128.max / 10 else { return nil }
    var quotient = a / b
    var remainder = a % b
    for _ in 0..<ExactDecimal.fractionDigits {
        remainder *= 10
        let (scaled, overflow) = quotient.multipliedReportingOverflow(by: 10)
        guard !overflow else { return nil }
        quotient = scaled + remainder / b
        remainder %= b
    }
    let twice = remainder * 2
    if twice > b || (twice == b && quotient % 2 == 1) { quotient += 1 }
    guard quotient <= UInt128(Int128.max) else { return nil }
    return negative ? 0 - Int128(quotient) : Int128(quotient)
}

/// The linearly interpolated percentile of sorted values: position (n − 1) × p / 100 between two neighbours, rounded
/// half to even. Exact for any values: the result lies between the neighbours, so nothing it is computed from
/// overflows (the step is split into its hundreds and the rest), whatever their distance.
func interpolatedPercentile(_ sorted: [Int128], _ percent: Int) -> Int128 {
    let scaled = (sorted.count - 1) * percent
    let lower = scaled / 100
    let fraction = UInt128(scaled % 100)
    guard fraction != 0, lower + 1 < sorted.count else { return sorted[lower] }
    let low = sorted[lower]
    // The distance between sorted neighbours is never negative and always fits 128 unsigned bits.
    let distance = UInt128(bitPattern: sorted[lower + 1]) &- UInt128(bitPattern: low)
    let (hundreds, rest) = distance.quotientAndRemainder(dividingBy: 100)
    let (restStep, remainder) = (rest * fraction).quotientAndRemainder(dividingBy: 100)
    // low + distance × fraction / 100 = base + remainder / 100, and base lies between the neighbours.
    let base = Int128(bitPattern: UInt128(bitPattern: low) &+ hundreds * fraction &+ restStep)
    if remainder > 50 || (remainder == 50 && base & 1 != 0) { return base + 1 }
    return base
}

/// `value / divisor`, rounded half to even.
func dividedHalfEven(_ value: Int128, by divisor: Int) -> Int128 {
    let d = Int128(divisor)
    var quotient = value / d
    let remainder = value % d
    let twice = remainder.magnitude * 2
    if twice > d.magnitude || (twice == d.magnitude && quotient % 2 != 0) {
        quotient += value < 0 ? -1 : 1
    }
    return quotient
}
