/// Exact division by powers of ten without a divide instruction: 10^e = 2^e × 5^e, so a multiple of 10^e shifted
/// right by e is a multiple of 5^e, which multiplying by the inverse of 5^e (modulo 2^64 or 2^128) divides exactly.
enum PowersOfTen {
    /// 10^0 … 10^18 in units.
    static let int128: [Int128] = (0...18).map { exponent in
        (0..<exponent).reduce(Int128(1)) { value, _ in value * 10 }
    }
    /// 5^0 … 5^18.
    static let fives: [UInt64] = (0...18).map { exponent in (0..<exponent).reduce(UInt64(1)) { value, _ in value * 5 } }
    /// The inverses of 5^e modulo 2^64 (5^e is odd, so each has one), by Newton's iteration.
    static let inverseFives: [UInt64] = fives.map { five in
        var inverse: UInt64 = five  // correct to 3 bits; each step doubles them
        for _ in 0..<5 { inverse = inverse &* (2 &- five &* inverse) }
        return inverse
    }
    /// The inverses of 5^e modulo 2^128.
    static let inverseFives128: [UInt128] = fives.map { five in
        let wide = UInt128(five)
        var inverse = wide
        for _ in 0..<6 { inverse = inverse &* (2 &- wide &* inverse) }
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

    /// `value` ÷ 10^`exponent` for a multiple of it.
    @inline(__always)
    static func divideExactly(_ value: Int128, _ exponent: Int) -> Int128 {
        Int128(bitPattern: UInt128(bitPattern: value >> exponent) &* inverseFives128[exponent])
    }
}

/// Unsigned offsets from a chunk's least value in the fewest whole bytes that hold the largest (frame of reference):
/// 0 bytes when every value is the same, at most 16.
enum OffsetPacking {
    /// The bytes an offset of up to `span` takes.
    static func width(_ span: UInt128) -> Int {
        (128 - span.leadingZeroBitCount + 7) / 8
    }

    /// The low `width` bytes of each offset, one after the other.
    static func pack(_ count: Int, width: Int, _ offset: (Int) -> UInt128) -> [UInt8] {
        guard width > 0 else { return [] }
        // Each offset is stored as 16 bytes over the ones the next overwrites; the slack at the end is cut.
        var bytes = [UInt8](repeating: 0, count: count * width + 16)
        bytes.withUnsafeMutableBytes { raw in
            for row in 0..<count {
                let value = offset(row)
                raw.storeBytes(
                    of: UInt64(truncatingIfNeeded: value).littleEndian,
                    toByteOffset: row * width,
                    as: UInt64.self
                )
                if width > 8 {
                    raw.storeBytes(
                        of: UInt64(truncatingIfNeeded: value >> 64).littleEndian,
                        toByteOffset: row * width + 8,
                        as: UInt64.self
                    )
                }
            }
        }
        bytes.removeLast(16)
        return bytes
    }

    /// Calls `body` with each row and its offset, in a block of `count` offsets of at most 8 bytes: a loop per width,
    /// so the common widths (1, 2, 4, 8) are plain loads the compiler can unroll.
    @inline(__always)
    static func forEachSmallOffset(
        _ source: UnsafeRawPointer,
        count: Int,
        width: Int,
        _ body: (Int, UInt64) -> Void
    ) {
        switch width {
        case 0:
            for row in 0..<count { body(row, 0) }
        case 1:
            for row in 0..<count { body(row, UInt64(source.load(fromByteOffset: row, as: UInt8.self))) }
        case 2:
            for row in 0..<count {
                body(row, UInt64(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: row * 2, as: UInt16.self))))
            }
        case 4:
            for row in 0..<count {
                body(row, UInt64(UInt32(littleEndian: source.loadUnaligned(fromByteOffset: row * 4, as: UInt32.self))))
            }
        case 8:
            for row in 0..<count {
                body(row, UInt64(littleEndian: source.loadUnaligned(fromByteOffset: row * 8, as: UInt64.self)))
            }
        default:
            // 3, 5, 6 or 7 bytes: an 8-byte load masked, while 8 bytes remain in the block; then the generic path.
            let mask: UInt64 = (1 << UInt64(8 * width)) &- 1
            let wholeLoads = count * width >= 8 ? (count * width - 8) / width + 1 : 0
            for row in 0..<wholeLoads {
                body(
                    row,
                    UInt64(littleEndian: source.loadUnaligned(fromByteOffset: row * width, as: UInt64.self)) & mask
                )
            }
            for row in wholeLoads..<count {
                body(row, UInt64(truncatingIfNeeded: offset(source, row: row, count: count, width: width)))
            }
        }
    }

    /// Calls `body` with each row and its offset, in a block of `count` offsets of 9 to 16 bytes: two 8-byte loads a
    /// row, the second masked, while 16 bytes remain in the block; the last rows byte by byte.
    @inline(__always)
    static func forEachLargeOffset(
        _ source: UnsafeRawPointer,
        count: Int,
        width: Int,
        _ body: (Int, UInt128) -> Void
    ) {
        let mask: UInt64 = width >= 16 ? .max : (1 << UInt64(8 * (width - 8))) &- 1
        let wholeLoads = count * width >= 16 ? (count * width - 16) / width + 1 : 0
        for row in 0..<wholeLoads {
            let low = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: row * width, as: UInt64.self))
            let high = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: row * width + 8, as: UInt64.self))
            body(row, UInt128(high & mask) << 64 | UInt128(low))
        }
        for row in wholeLoads..<count { body(row, offset(source, row: row, count: count, width: width)) }
    }

    /// The offset of `row` in a block of `count` offsets of `width` bytes.
    @inline(__always)
    static func offset(_ source: UnsafeRawPointer, row: Int, count: Int, width: Int) -> UInt128 {
        let start = row * width
        let end = count * width
        var low: UInt64 = 0
        var high: UInt64 = 0
        if start + 16 <= end {
            low = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            high = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self))
        } else {
            // The last rows, byte by byte, so nothing past the block is read.
            for byte in 0..<width {
                let value = UInt64(source.load(fromByteOffset: start + byte, as: UInt8.self))
                if byte < 8 { low |= value << UInt64(8 * byte) } else { high |= value << UInt64(8 * (byte - 8)) }
            }
            return UInt128(high) << 64 | UInt128(low)
        }
        if width < 8 {
            low &= (1 << UInt64(8 * width)) &- 1
            high = 0
        } else if width == 8 {
            high = 0
        } else if width < 16 {
            high &= (1 << UInt64(8 * (width - 8))) &- 1
        }
        return UInt128(high) << 64 | UInt128(low)
    }
}

/// Decimals of a chunk as multiples of the largest power of ten that divides them all, stored as offsets from the
/// least multiple: costs with a few fractional digits and a small range take a few bytes instead of 16.
enum DecimalPacking {
    /// How a chunk's decimals are packed: value = (base + offset) × 10^exponent units.
    struct Plan: Hashable {
        var exponent: Int
        var base: Int128
        var width: Int
    }

    static func plan(_ values: [ExactDecimal]) -> Plan {
        var exponent = 18
        for value in values {
            let magnitude = value.units.magnitude
            guard exponent > 0, magnitude != 0 else { continue }
            if let small = UInt64(exactly: magnitude) {
                while exponent > 0 && !PowersOfTen.divides(exponent, small) { exponent -= 1 }
            } else {
                while exponent > 0 && magnitude % UInt128(PowersOfTen.int128[exponent]) != 0 { exponent -= 1 }
            }
        }
        var lowest = Int128.max
        var highest = Int128.min
        for value in values {
            let multiple = PowersOfTen.divideExactly(value.units, exponent)
            lowest = min(lowest, multiple)
            highest = max(highest, multiple)
        }
        guard lowest <= highest else { return Plan(exponent: 0, base: 0, width: 0) }
        let span = UInt128(bitPattern: highest &- lowest)
        return Plan(exponent: exponent, base: lowest, width: OffsetPacking.width(span))
    }

    static func pack(_ values: [ExactDecimal], _ plan: Plan) -> [UInt8] {
        values.withUnsafeBufferPointer { values in
            OffsetPacking.pack(values.count, width: plan.width) { row in
                UInt128(bitPattern: PowersOfTen.divideExactly(values[row].units, plan.exponent) &- plan.base)
            }
        }
    }

    /// Writes `count` packed values at `source` as decimals at `target` (wrapping arithmetic: a value that was
    /// stored decodes exactly, and a damaged one cannot trap).
    static func unpack(
        _ source: UnsafeRawPointer,
        count: Int,
        _ plan: Plan,
        into target: UnsafeMutablePointer<ExactDecimal>
    ) {
        let scale = PowersOfTen.int128[plan.exponent]
        // Powers of ten up to 10^18 fit 64 bits.
        if plan.width <= 8, let smallScale = UInt64(exactly: scale) {
            // (base + offset) × scale as base × scale + offset × scale: one 64 × 64-bit multiply a row. Wrapping
            // arithmetic is a ring, so this is the same value as the general path's.
            let baseScaled = plan.base &* scale
            OffsetPacking.forEachSmallOffset(source, count: count, width: plan.width) { row, offset in
                let (high, low) = smallScale.multipliedFullWidth(by: offset)
                target[row] = ExactDecimal(units: baseScaled &+ Int128(bitPattern: UInt128(high) << 64 | UInt128(low)))
            }
            return
        }
        if scale == 1 {
            OffsetPacking.forEachLargeOffset(source, count: count, width: plan.width) { row, offset in
                target[row] = ExactDecimal(units: plan.base &+ Int128(bitPattern: offset))
            }
        } else {
            OffsetPacking.forEachLargeOffset(source, count: count, width: plan.width) { row, offset in
                target[row] = ExactDecimal(units: (plan.base &+ Int128(bitPattern: offset)) &* scale)
            }
        }
    }
}

/// Instants of a chunk as steps after the earliest, in the fewest whole bytes: whole seconds (the usual case) or
/// microseconds.
enum TimestampPacking {
    /// How a chunk's instants are packed: instant = base + offset × step microseconds (null rows hold offset 0).
    struct Plan: Hashable {
        var base: Int64
        var step: Int64
        var width: Int
    }

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

    static func plan(_ column: TimestampColumn, bounds: ClosedRange<Int64>) -> Plan {
        var wholeSeconds = true
        for row in column.values.indices where !(column.nulls?[row] ?? false) {
            wholeSeconds = wholeSeconds && PowersOfTen.divides(6, column.values[row].magnitude)
            if !wholeSeconds { break }
        }
        let span = UInt64(bitPattern: bounds.upperBound &- bounds.lowerBound)
        let step: Int64 = wholeSeconds ? 1_000_000 : 1
        let steps = wholeSeconds ? (span >> 6) &* PowersOfTen.inverseFives[6] : span
        return Plan(base: bounds.lowerBound, step: step, width: OffsetPacking.width(UInt128(steps)))
    }

    static func pack(_ column: TimestampColumn, _ plan: Plan) -> [UInt8] {
        column.values.withUnsafeBufferPointer { values in
            OffsetPacking.pack(values.count, width: plan.width) { row in
                guard !(column.nulls?[row] ?? false) else { return 0 }
                let offset = UInt64(bitPattern: values[row] &- plan.base)
                // A multiple of 10^6 divided exactly without a divide instruction.
                return UInt128(plan.step == 1 ? offset : (offset >> 6) &* PowersOfTen.inverseFives[6])
            }
        }
    }

    /// Writes `count` packed instants at `source` at `target`.
    static func unpack(_ source: UnsafeRawPointer, count: Int, _ plan: Plan, into target: UnsafeMutablePointer<Int64>) {
        if plan.width <= 8 {
            OffsetPacking.forEachSmallOffset(source, count: count, width: plan.width) { row, offset in
                target[row] = plan.base &+ Int64(truncatingIfNeeded: offset) &* plan.step
            }
            return
        }
        for row in 0..<count {
            let offset = plan.width == 0 ? 0 : OffsetPacking.offset(source, row: row, count: count, width: plan.width)
            target[row] = plan.base &+ Int64(truncatingIfNeeded: offset) &* plan.step
        }
    }
}
