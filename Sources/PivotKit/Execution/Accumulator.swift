import FinOpsCore

/// Exact running values of one measure for every group of a ``Grouping``.
struct Accumulator {
    var rows: [Int] = []
    var nonNull: [Int] = []
    var sums: [Int128] = []
    var minimums: [Int128] = []
    var maximums: [Int128] = []
    var distinct: [Set<Int128>] = []
    /// For percentiles: every non-null value of each group.
    var values: [[Int128]] = []
    /// For approximate distinct counts: HyperLogLog registers, `HyperLogLog.registers` per group.
    var sketches: [[UInt8]] = []
    /// For count-distinct over dictionary codes: one bit per code per group (`bitmapWords` words each, group
    /// after group), when that is small enough.
    var bitmaps: [UInt64] = []
    var bitmapWords = 0

    mutating func appendGroup() {
        rows.append(0)
        nonNull.append(0)
        sums.append(0)
        minimums.append(.max)
        maximums.append(.min)
    }

    /// Adds group `group` of `source` into this accumulator's group `slot`.
    mutating func absorb(_ group: Int, of source: Accumulator, at slot: Int, name: Measure) throws(PivotError) {
        rows[slot] += source.rows[group]
        nonNull[slot] += source.nonNull[group]
        let (sum, overflow) = sums[slot].addingReportingOverflow(source.sums[group])
        if overflow {
            throw PivotError(.overflow, "\(name) overflows the decimal range in a total", subjects: ["\(name)"])
        }
        sums[slot] = sum
        minimums[slot] = Swift.min(minimums[slot], source.minimums[group])
        maximums[slot] = Swift.max(maximums[slot], source.maximums[group])
        if group < source.sketches.count {
            while sketches.count <= slot {
                sketches.append([UInt8](repeating: 0, count: HyperLogLog.registers))
            }
            for register in 0..<HyperLogLog.registers {
                sketches[slot][register] = Swift.max(
                    sketches[slot][register],
                    source.sketches[group][register]
                )
            }
        }
        if group < source.values.count, !source.values[group].isEmpty {
            while values.count <= slot { values.append([]) }
            values[slot] += source.values[group]
        }
        let words = source.bitmapWords
        if words > 0, (group + 1) * words <= source.bitmaps.count {
            bitmapWords = words
            let missing = (slot + 1) * words - bitmaps.count
            if missing > 0 { bitmaps.append(contentsOf: repeatElement(0, count: missing)) }
            for word in 0..<words { bitmaps[slot * words + word] |= source.bitmaps[group * words + word] }
        }
        if group < source.distinct.count, !source.distinct[group].isEmpty {
            while distinct.count <= slot { distinct.append([]) }
            distinct[slot].formUnion(source.distinct[group])
        }
    }

    /// Adds group `group` of another window's accumulator into group `slot`, as ``absorb(_:of:at:name:)`` does; the
    /// other window may keep its distinct codes the other way (bitmaps or sets, each window choosing by its own
    /// size), so this one is kept to one way: sets, once either side holds any.
    mutating func absorb(window group: Int, of source: Accumulator, at slot: Int, name: Measure) throws(PivotError) {
        let sourceBits = source.bitmapWords > 0 && (group + 1) * source.bitmapWords <= source.bitmaps.count
        let sourceSet = group < source.distinct.count && !source.distinct[group].isEmpty
        if sourceSet && bitmapWords > 0 { convertBitmapsToSets() }
        let usesSets = bitmapWords == 0 && distinct.contains { !$0.isEmpty }
        guard sourceBits && usesSets else {
            try absorb(group, of: source, at: slot, name: name)
            return
        }
        // The source's bits become set members, and its bitmaps are left out of the merge.
        var other = Accumulator()
        other.appendGroup()
        (other.rows[0], other.nonNull[0], other.sums[0]) = (
            source.rows[group], source.nonNull[group], source.sums[group]
        )
        (other.minimums[0], other.maximums[0]) = (source.minimums[group], source.maximums[group])
        try absorb(0, of: other, at: slot, name: name)
        while distinct.count <= slot { distinct.append([]) }
        let words = source.bitmapWords
        for word in 0..<words {
            var bits = source.bitmaps[group * words + word]
            while bits != 0 {
                distinct[slot].insert(Int128(word * 64 + bits.trailingZeroBitCount))
                bits &= bits - 1
            }
        }
    }

    /// Moves every group's distinct codes from bitmaps into sets.
    private mutating func convertBitmapsToSets() {
        let words = bitmapWords
        let groups = bitmaps.count / words
        while distinct.count < groups { distinct.append([]) }
        for group in 0..<groups {
            for word in 0..<words {
                var bits = bitmaps[group * words + word]
                while bits != 0 {
                    distinct[group].insert(Int128(word * 64 + bits.trailingZeroBitCount))
                    bits &= bits - 1
                }
            }
        }
        bitmaps = []
        bitmapWords = 0
    }

    /// The value of `measure` for group `slot`.
    func value(of measure: Measure, at slot: Int) -> MeasureValue {
        let present = nonNull[slot]
        switch measure {
        case .count:
            return .integer(rows[slot])
        case .sum:
            return .decimal(ExactDecimal(units: sums[slot]))
        case .min:
            return present == 0 ? .null : .decimal(ExactDecimal(units: minimums[slot]))
        case .max:
            return present == 0 ? .null : .decimal(ExactDecimal(units: maximums[slot]))
        case .avg:
            return present == 0
                ? .null : .decimal(ExactDecimal(units: dividedHalfEven(sums[slot], by: present)))
        case .approxCountDistinct:
            guard slot < sketches.count else { return .integer(0) }
            return .integer(HyperLogLog.estimate(sketches[slot]))
        case .percentile(_, let percent):
            guard present > 0, slot < values.count else { return .null }
            return .decimal(ExactDecimal(units: interpolatedPercentile(values[slot].sorted(), percent)))
        case .ratio, .difference, .percentOfTotal, .percentOfParent, .percentOfColumn, .change, .percentChange:
            // Derived measures never reach the accumulators: they are computed from base measures afterwards.
            return .null
        case .countDistinct:
            let words = bitmapWords
            if words > 0 {
                guard (slot + 1) * words <= bitmaps.count else { return .integer(0) }
                let bits = bitmaps[(slot * words)..<((slot + 1) * words)]
                return .integer(bits.reduce(0) { $0 + $1.nonzeroBitCount })
            }
            return .integer(slot < distinct.count ? distinct[slot].count : 0)
        }
    }
}
