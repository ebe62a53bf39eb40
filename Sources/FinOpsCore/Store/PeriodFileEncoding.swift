/// Exact division by powers of ten without a divide instruction: 10^e = 2^e × 5^e, so a multiple of 10^e shifted
/// right by e is a multiple of 5^e, which multiplying by the inverse of 5^e modulo 2^64 divides exactly.
enum PowersOfTen {
    /// 10^0 … 10^18 in units.
    static let int128: [Int128] = (0...18).map { exponent in (0..<exponent).reduce(Int128(1)) { value, _ in value * 10 }
    }
    /// 5^0 … 5^18.
    static let fives: [UInt64] = (0...18).map { exponent in (0..<exponent).reduce(UInt64(1)) { value, _ in value * 5 } }
    /// The inverses of 5^e modulo 2^64 (5^e is odd, so each has one), by Newton's iteration.
    static let inverseFives: [UInt64] = fives.map { five in
        var inverse: UInt64 = five  // correct to 3 bits; each step doubles them
        for _ in 0..<5 { inverse = inverse &* (2 &- five &* inverse) }
        return inverse
    }
    /// The largest quotient of a multiple of 5^e that fits 64 bits: the divisibility test's bound.
    static let fiveBounds: [UInt64] = fives.map { UInt64.max / $0 }

    /// Whether `magnitude`, which fits 64 bits, is a multiple of 10^`exponent`.
    @inline(__always)
    static func divides(_ exponent: Int, _ magnitude: UInt64) -> Bool {
        guard magnitude.trailingZeroBitCount >= exponent else { return magnitude == 0 }
        return (magnitude >> UInt64(exponent)) &* inverseFives[exponent] <= fiveBounds[exponent]
    }

    /// `value` ÷ 10^`exponent` for a multiple whose quotient fits 64 bits.
    @inline(__always)
    static func divideExactly(_ value: Int128, _ exponent: Int) -> Int64 {
        Int64(bitPattern: UInt64(truncatingIfNeeded: value >> exponent) &* inverseFives[exponent])
    }
}

/// Decimals of a chunk as `Int64` multiples of the largest power of ten that divides them all, where the quotients
/// fit: costs with a few fractional digits take 8 bytes instead of 16.
enum DecimalPacking {
    /// The exponent to pack `values` with, or `nil` when some quotient would not fit 64 bits.
    static func exponent(_ values: [ExactDecimal]) -> Int? {
        var exponent = 18
        var largest: UInt128 = 0
        for value in values {
            let magnitude = value.units.magnitude
            largest = max(largest, magnitude)
            guard exponent > 0, magnitude != 0 else { continue }
            if let small = UInt64(exactly: magnitude) {
                while exponent > 0 && !PowersOfTen.divides(exponent, small) { exponent -= 1 }
            } else {
                while exponent > 0 && magnitude % UInt128(PowersOfTen.int128[exponent]) != 0 { exponent -= 1 }
            }
        }
        guard largest / UInt128(PowersOfTen.int128[exponent]) <= UInt128(Int64.max) else { return nil }
        return exponent
    }

    static func pack(_ values: [ExactDecimal], exponent: Int) -> [Int64] {
        values.map { PowersOfTen.divideExactly($0.units, exponent) }
    }

    /// Writes `count` packed values at `source` as decimals at `target`.
    static func unpack(
        _ source: UnsafeRawPointer,
        count: Int,
        exponent: Int,
        into target: UnsafeMutablePointer<ExactDecimal>
    ) {
        let scale = PowersOfTen.int128[exponent]
        for row in 0..<count {
            let packed = Int64(littleEndian: source.loadUnaligned(fromByteOffset: row * 8, as: Int64.self))
            target[row] = ExactDecimal(units: Int128(packed) * scale)
        }
    }
}

/// Instants of a chunk as `UInt32` steps after the earliest, where they fit: whole seconds (the usual case) within
/// 136 years, or microseconds within 71 minutes.
enum TimestampPacking {
    /// The least and greatest non-null instant, or `nil` when every row is null.
    static func bounds(_ column: TimestampColumn) -> ClosedRange<Int64>? {
        var lowest = Int64.max
        var highest = Int64.min
        for row in column.values.indices where !(column.nulls?[row] ?? false) {
            lowest = min(lowest, column.values[row])
            highest = max(highest, column.values[row])
        }
        return lowest <= highest ? lowest...highest : nil
    }

    /// The base, the step and the deltas, or `nil` when some instant is not that many steps from the base.
    static func pack(_ column: TimestampColumn) -> (base: Int64, step: Int64, deltas: [UInt32])? {
        let values = column.values
        let nulls = column.nulls
        func isNull(_ row: Int) -> Bool { nulls?[row] ?? false }
        var lowest = Int64.max
        var highest = Int64.min
        var wholeSeconds = true
        for row in values.indices where !isNull(row) {
            let value = values[row]
            lowest = min(lowest, value)
            highest = max(highest, value)
            wholeSeconds = wholeSeconds && PowersOfTen.divides(6, value.magnitude)
        }
        guard lowest <= highest else { return nil }
        let (span, overflow) = highest.subtractingReportingOverflow(lowest)
        let step: Int64 = wholeSeconds ? 1_000_000 : 1
        guard !overflow, span / step <= Int64(UInt32.max) else { return nil }
        let deltas = values.indices.map { row -> UInt32 in
            guard !isNull(row) else { return 0 }
            let offset = UInt64(bitPattern: values[row] &- lowest)
            // A multiple of 10^6 divided exactly without a divide instruction.
            return UInt32(truncatingIfNeeded: wholeSeconds ? (offset >> 6) &* PowersOfTen.inverseFives[6] : offset)
        }
        return (lowest, step, deltas)
    }

    /// Writes `count` packed instants at `source` at `target`.
    static func unpack(
        _ source: UnsafeRawPointer,
        count: Int,
        base: Int64,
        step: Int64,
        into target: UnsafeMutablePointer<Int64>
    ) {
        for row in 0..<count {
            let delta = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: row * 4, as: UInt32.self))
            target[row] = base &+ Int64(delta) &* step
        }
    }
}
