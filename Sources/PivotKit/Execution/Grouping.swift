import FinOpsCore
import Foundation

/// Groups rows by their dimension codes and keeps exact accumulators per group and measure.
struct Grouping {
    private var keys: [KeyColumn]
    private var measures: [MeasureInput]
    /// The codes of each group, `keys.count` per group.
    private var groupCodes: [UInt32] = []
    private var groupCount = 0
    private var accumulators: [Accumulator]
    /// At most this many groups can exist: it sizes per-group bitmaps the same way in every part.
    private var groupBound = 0
    /// Into how many parts the rows are split: with more parts, smaller bitmaps per part keep their sum bounded.
    private var partCount = 1
    /// For merging later windows (``absorb(window:)``): each dimension's members' codes by value, and each group's
    /// slot by its codes; built on the first merge.
    private var memberCodes: [[DimensionValue: UInt32]] = []
    private var slots: [[UInt32]: Int] = [:]

    init(keys: [KeyColumn], measures: [MeasureInput]) {
        self.keys = keys
        self.measures = measures
        self.accumulators = measures.map { _ in Accumulator() }
    }

    /// Adds the given rows (all rows when `nil`); this grouping must be empty.
    ///
    /// Large inputs are split into parts aggregated on all cores, then merged part after part, so the result does
    /// not depend on thread timing.
    mutating func add(rows selection: [Int32]?, count: Int, tuning: ExecutionTuning) throws(PivotError) {
        let total = selection?.count ?? count
        // Decided once for all parts, so that their accumulators merge: no part can hold more groups than this.
        groupBound = Swift.min(GroupIndex(keys: keys).product, total)
        let parts = total >= tuning.parallelThreshold ? ExecutionTuning.cores : 1
        partCount = parts
        guard parts > 1 else {
            try addPart(selection, rows: 0..<total, chunkRows: tuning.chunkRows)
            return
        }
        let template = self
        let partials = Parts.map(total, into: parts) { rows -> Result<Grouping, PivotError> in
            var partial = template
            do throws(PivotError) {
                try partial.addPart(selection, rows: rows, chunkRows: tuning.chunkRows)
                return .success(partial)
            } catch {
                return .failure(error)
            }
        }
        self = try partials[0].get()
        var index = MergeIndex(keys: keys)
        for group in 0..<groupCount { index.insert(codes(of: group), slot: group) }
        for partial in partials.dropFirst() { try absorb(try partial.get(), index: &index) }
    }

    /// Lets go of the rows' columns once they are aggregated: the groups keep only the members' values.
    mutating func releaseRows() {
        keys = keys.map { KeyColumn(codes: [], values: $0.values) }
        measures = measures.map(\.withoutRows)
    }

    /// Merges in the groups of another window's rows, aggregated with the same measures. That window's keys number
    /// their members their own way (time buckets in order of appearance, say), so each member is found here by its
    /// value, and added when new; the groups keep their order of first appearance over all windows.
    mutating func absorb(window other: Grouping) throws(PivotError) {
        let width = keys.count
        if memberCodes.isEmpty && width > 0 {
            memberCodes = keys.map { key in
                Dictionary(key.values.enumerated().map { ($1, UInt32($0)) }, uniquingKeysWith: { first, _ in first })
            }
        }
        if slots.isEmpty {
            for group in 0..<groupCount { slots[Array(codes(of: group))] = group }
        }
        // The other window's code of each member in this one's numbering, found on first use.
        var translations = other.keys.map { [UInt32](repeating: .max, count: $0.values.count) }
        for group in 0..<other.groupCount {
            var codes: [UInt32] = []
            codes.reserveCapacity(width)
            for dimension in 0..<width {
                let code = Int(other.groupCodes[group * width + dimension])
                var translated = translations[dimension][code]
                if translated == .max {
                    let value = other.keys[dimension].values[code]
                    if let known = memberCodes[dimension][value] {
                        translated = known
                    } else {
                        translated = UInt32(keys[dimension].values.count)
                        keys[dimension].values.append(value)
                        memberCodes[dimension][value] = translated
                    }
                    translations[dimension][code] = translated
                }
                codes.append(translated)
            }
            let slot: Int
            if let existing = slots[codes] {
                slot = existing
            } else {
                slot = groupCount
                slots[codes] = slot
                groupCodes += codes
                groupCount += 1
                for measure in accumulators.indices { accumulators[measure].appendGroup() }
            }
            for measure in accumulators.indices {
                try accumulators[measure].absorb(
                    window: group,
                    of: other.accumulators[measure],
                    at: slot,
                    name: measures[measure].measure
                )
            }
        }
    }

    /// The codes of a group, one per key.
    private func codes(of group: Int) -> ArraySlice<UInt32> {
        groupCodes[(group * keys.count)..<((group + 1) * keys.count)]
    }

    /// Aggregates a range of rows chunk by chunk: the per-row scratch of one chunk stays in cache and is reused,
    /// where scratch for every row would fault in fresh pages on each query.
    private mutating func addPart(_ selection: [Int32]?, rows: Range<Int>, chunkRows: Int) throws(PivotError) {
        var index = GroupIndex(keys: keys)
        index.prepare()
        let capacity = Swift.max(1, Swift.min(chunkRows, rows.count))
        let groupOf = UnsafeMutableBufferPointer<Int32>.allocate(capacity: capacity)
        let combined = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: capacity)
        defer {
            groupOf.deallocate()
            combined.deallocate()
        }
        var base = rows.lowerBound
        while base < rows.upperBound {
            let count = Swift.min(capacity, rows.upperBound - base)
            let chunkGroups = UnsafeMutableBufferPointer(rebasing: groupOf[..<count])
            let chunkCombined = UnsafeMutableBufferPointer(rebasing: combined[..<count])
            assignGroups(selection, base: base, into: chunkGroups, combined: chunkCombined, index: &index)
            for measure in measures.indices {
                try accumulate(
                    measure: measure,
                    groupOf: UnsafeBufferPointer(chunkGroups),
                    selection: selection,
                    base: base
                )
            }
            base += count
        }
    }

    /// Merges the groups of a partial aggregation of later rows into this one; `index` finds this one's groups and
    /// learns the groups added.
    private mutating func absorb(_ other: Grouping, index: inout MergeIndex) throws(PivotError) {
        for group in 0..<other.groupCount {
            let codes = other.codes(of: group)
            let slot: Int
            if let existing = index.slot(of: codes) {
                slot = existing
            } else {
                slot = groupCount
                index.insert(codes, slot: slot)
                groupCodes += codes
                groupCount += 1
                for measure in accumulators.indices { accumulators[measure].appendGroup() }
            }
            for measure in accumulators.indices {
                try accumulators[measure].absorb(
                    group,
                    of: other.accumulators[measure],
                    at: slot,
                    name: measures[measure].measure
                )
            }
        }
    }

    /// The group of each row of a chunk, creating groups in order of first appearance.
    ///
    /// The combined key is built one dimension at a time over raw buffers: no per-row copies of the key columns,
    /// whose reference counts would otherwise be contended when parts run on several cores.
    private mutating func assignGroups(
        _ selection: [Int32]?,
        base: Int,
        into groupOf: UnsafeMutableBufferPointer<Int32>,
        combined: UnsafeMutableBufferPointer<UInt32>,
        index: inout GroupIndex
    ) {
        let count = groupOf.count
        func row(_ position: Int) -> Int {
            selection.map { Int($0[base + position]) } ?? base + position
        }
        func newGroup(_ row: Int) -> Int32 {
            for key in keys { groupCodes.append(key.code(row)) }
            for index in accumulators.indices { accumulators[index].appendGroup() }
            groupCount += 1
            return Int32(groupCount - 1)
        }
        guard index.product <= Int(UInt32.max) else {
            // Too many combinations for one 32-bit key: hash the codes themselves.
            for position in 0..<count {
                let row = row(position)
                let codes = keys.map { $0.code(row) }
                if let group = index.wide[codes] {
                    groupOf[position] = group
                } else {
                    let group = newGroup(row)
                    index.wide[codes] = group
                    groupOf[position] = group
                }
            }
            return
        }
        for (dimension, key) in keys.enumerated() {
            let stride = UInt32(index.strides[dimension])
            let nullMember = UInt32(key.cardinality - 1)
            let first = dimension == 0
            key.codes.withUnsafeBufferPointer { codes in
                (selection ?? []).withUnsafeBufferPointer { selected in
                    (key.translation ?? []).withUnsafeBufferPointer { translation in
                        let direct = selection == nil
                        let translates = key.translation != nil
                        for position in 0..<count {
                            var code = codes[direct ? base + position : Int(selected[base + position])]
                            if translates, code != .max { code = translation[Int(code)] }
                            let part = (code == .max ? nullMember : code) &* stride
                            combined[position] = first ? part : combined[position] &+ part
                        }
                    }
                }
            }
        }
        if keys.isEmpty { combined.update(repeating: 0) }
        if index.isDirect {
            for position in 0..<count {
                let key = Int(combined[position])
                var group = index.direct[key]
                if group < 0 {
                    group = newGroup(row(position))
                    index.direct[key] = group
                }
                groupOf[position] = group
            }
        } else {
            for position in 0..<count {
                if let group = index.hashed[combined[position]] {
                    groupOf[position] = group
                } else {
                    let group = newGroup(row(position))
                    index.hashed[combined[position]] = group
                    groupOf[position] = group
                }
            }
        }
    }

    private mutating func accumulate(
        measure index: Int,
        groupOf: UnsafeBufferPointer<Int32>,
        selection: [Int32]?,
        base: Int
    ) throws(PivotError) {
        var accumulator = accumulators[index]
        accumulators[index] = Accumulator()
        defer { accumulators[index] = accumulator }
        let input = measures[index]
        if case .approxCountDistinct = input.measure {
            while accumulator.sketches.count < groupCount {
                accumulator.sketches.append([UInt8](repeating: 0, count: HyperLogLog.registers))
            }
            for position in groupOf.indices {
                let group = Int(groupOf[position])
                let row = selection.map { Int($0[base + position]) } ?? base + position
                accumulator.rows[group] += 1
                let hashed: UInt64
                switch input.source {
                case .decimal(let column):
                    if let nulls = column.nulls, nulls[row] { continue }
                    let units = column.values[row].units
                    hashed = HyperLogLog.hash(
                        UInt64(truncatingIfNeeded: units) ^ HyperLogLog.hash(UInt64(truncatingIfNeeded: units >> 64))
                    )
                case .codes(let codes, let nullCode, _):
                    if codes[row] == nullCode { continue }
                    hashed = HyperLogLog.hash(UInt64(codes[row]))
                case .timestamps(let column):
                    if let nulls = column.nulls, nulls[row] { continue }
                    hashed = HyperLogLog.hash(UInt64(bitPattern: column.values[row]))
                case .none:
                    continue
                }
                accumulator.nonNull[group] += 1
                HyperLogLog.insert(hashed, into: &accumulator.sketches[group])
            }
            return
        }
        if case .codes(let codes, let nullCode, let domain) = input.source {
            let words = (domain + 63) / 64
            // At most 16 MB of bitmaps per part up to 8 parts, 128 MB over all parts beyond.
            if words * groupBound * Swift.max(partCount, 8) <= 1 << 24 {
                accumulateBitmaps(
                    codes,
                    nullCode: nullCode,
                    words: words,
                    groupOf: groupOf,
                    selection: selection,
                    base: base,
                    into: &accumulator
                )
                return
            }
        }
        if case .none = input.source {
            accumulator.rows.withUnsafeMutableBufferPointer { rows in
                for group in groupOf { rows[Int(group)] &+= 1 }
            }
            return
        }
        if case .percentile = input.measure, case .decimal(let column) = input.source {
            while accumulator.values.count < groupCount { accumulator.values.append([]) }
            for position in groupOf.indices {
                let group = Int(groupOf[position])
                let row = selection.map { Int($0[base + position]) } ?? base + position
                accumulator.rows[group] += 1
                if let nulls = column.nulls, nulls[row] { continue }
                accumulator.nonNull[group] += 1
                accumulator.values[group].append(column.values[row].units)
            }
            return
        }
        if case .decimal(let column) = input.source, !isCountDistinct(input.measure) {
            try accumulateDecimals(
                column,
                extremes: Self.readsExtremes(input.measure),
                groupOf: groupOf,
                selection: selection,
                base: base,
                into: &accumulator
            )
            return
        }
        for position in groupOf.indices {
            let group = Int(groupOf[position])
            let row = selection.map { Int($0[base + position]) } ?? base + position
            accumulator.rows[group] += 1
            switch input.source {
            case .none:
                break
            case .decimal(let column):
                if let nulls = column.nulls, nulls[row] { continue }
                accumulator.nonNull[group] += 1
                insertDistinct(column.values[row].units, group: group, into: &accumulator)
            case .codes(let codes, let nullCode, _):
                let code = codes[row]
                if code == nullCode { continue }
                accumulator.nonNull[group] += 1
                insertDistinct(Int128(code), group: group, into: &accumulator)
            case .timestamps(let column):
                if let nulls = column.nulls, nulls[row] { continue }
                accumulator.nonNull[group] += 1
                insertDistinct(Int128(column.values[row]), group: group, into: &accumulator)
            }
        }
    }

    /// Whether a measure's value is a group's least or greatest value.
    private static func readsExtremes(_ measure: Measure) -> Bool {
        switch measure {
        case .min, .max: return true
        default: return false
        }
    }

    private func isCountDistinct(_ measure: Measure) -> Bool {
        if case .countDistinct = measure { return true }
        return false
    }

    /// Sum and counts of a decimal column, and its minimum and maximum where `extremes`, in one tight loop over raw
    /// buffers.
    private func accumulateDecimals(
        _ column: DecimalColumn,
        extremes: Bool,
        groupOf: UnsafeBufferPointer<Int32>,
        selection: [Int32]?,
        base: Int,
        into accumulator: inout Accumulator
    ) throws(PivotError) {
        var overflow = false
        let nulls = column.nulls
        let selection = selection ?? []
        let direct = selection.isEmpty
        selection.withUnsafeBufferPointer { selection in
            column.values.withUnsafeBufferPointer { values in
                accumulator.rows.withUnsafeMutableBufferPointer { rows in
                    accumulator.nonNull.withUnsafeMutableBufferPointer { nonNull in
                        accumulator.sums.withUnsafeMutableBufferPointer { sums in
                            accumulator.minimums.withUnsafeMutableBufferPointer { minimums in
                                accumulator.maximums.withUnsafeMutableBufferPointer { maximums in
                                    // One loop with the extremes and one without, which a sum or an average
                                    // does not read: two fewer scattered updates a row.
                                    @inline(__always)
                                    func loop(extremes: Bool) {
                                        for position in groupOf.indices {
                                            let group = Int(groupOf[position])
                                            let row = direct ? base + position : Int(selection[base + position])
                                            rows[group] &+= 1
                                            if let nulls, nulls[row] { continue }
                                            let units = values[row].units
                                            nonNull[group] &+= 1
                                            let (sum, carry) = sums[group].addingReportingOverflow(units)
                                            overflow = overflow || carry
                                            sums[group] = sum
                                            guard extremes else { continue }
                                            if units < minimums[group] { minimums[group] = units }
                                            if units > maximums[group] { maximums[group] = units }
                                        }
                                    }
                                    if extremes { loop(extremes: true) } else { loop(extremes: false) }
                                }
                            }
                        }
                    }
                }
            }
        }
        if overflow { throw PivotError(.overflow, "a sum overflows the decimal range") }
    }

    /// Count-distinct over dictionary codes with one bitmap per group: a bit set per row, no hashing.
    private func accumulateBitmaps(
        _ codes: [UInt32],
        nullCode: UInt32,
        words: Int,
        groupOf: UnsafeBufferPointer<Int32>,
        selection: [Int32]?,
        base: Int,
        into accumulator: inout Accumulator
    ) {
        accumulator.bitmapWords = words
        let missing = words * groupCount - accumulator.bitmaps.count
        if missing > 0 { accumulator.bitmaps.append(contentsOf: repeatElement(0, count: missing)) }
        accumulator.bitmaps.withUnsafeMutableBufferPointer { bits in
            for position in groupOf.indices {
                let group = Int(groupOf[position])
                let row = selection.map { Int($0[base + position]) } ?? base + position
                accumulator.rows[group] += 1
                let code = codes[row]
                if code == nullCode { continue }
                accumulator.nonNull[group] += 1
                bits[group * words + Int(code >> 6)] |= 1 << UInt64(code & 63)
            }
        }
    }

    private func insertDistinct(_ value: Int128, group: Int, into accumulator: inout Accumulator) {
        while accumulator.distinct.count <= group { accumulator.distinct.append([]) }
        accumulator.distinct[group].insert(value)
    }

    /// Keeps the `count` largest members of dimension `dimension` (by measure `rank`, summed over the dimensions
    /// after it) within each combination of the dimensions before it, and merges the others into one Others member.
    mutating func foldOthers(dimension: Int, count: Int, rank: Int, measures: [Measure]) throws(PivotError) {
        let width = keys.count
        // The rank measure per (parent…, member).
        let kept = (0..<width).map { $0 <= dimension }
        let (members, totals) = try merge(keeping: kept, measures: measures)
        var byParent: [[UInt32]: [(member: UInt32, value: MeasureValue)]] = [:]
        for (slot, codes) in members.enumerated() {
            let parent = Array(codes[..<dimension])
            byParent[parent, default: []].append((codes[dimension], totals[rank].value(of: measures[rank], at: slot)))
        }
        var folded = Set<[UInt32]>()
        let values = keys[dimension].values
        for (parent, members) in byParent {
            let ranked = members.sorted { lhs, rhs in
                if lhs.value != rhs.value { return Self.isLarger(lhs.value, than: rhs.value) }
                return values[Int(lhs.member)] < values[Int(rhs.member)]
            }
            for entry in ranked.dropFirst(count) { folded.insert(parent + [entry.member]) }
        }
        guard !folded.isEmpty else { return }
        let othersCode = UInt32(keys[dimension].values.count)
        keys[dimension].values.append(.others)
        // Every group of a folded member moves to its parent's Others group.
        let (order, merged) = try regroup(measures: measures) { group in
            var codes = Array(groupCodes[(group * width)..<((group + 1) * width)])
            if folded.contains(Array(codes[...dimension])) { codes[dimension] = othersCode }
            return codes
        }
        groupCodes = order.flatMap { $0 }
        groupCount = order.count
        accumulators = merged
    }

    private static func isLarger(_ lhs: MeasureValue, than rhs: MeasureValue) -> Bool {
        switch (lhs, rhs) {
        case (.decimal(let a), .decimal(let b)): a > b
        case (.integer(let a), .integer(let b)): a > b
        case (.null, _): false
        case (_, .null): true
        default: false
        }
    }

    /// One cell per combination of the kept dimensions, totals re-aggregated exactly from the groups.
    func cells(keeping kept: [Bool], rowDimensions: Int, measures: [Measure]) throws(PivotError) -> [PivotResult.Cell] {
        let width = keys.count
        let (order, merged) = try merge(keeping: kept, measures: measures)
        return order.enumerated().map { target, codes in
            let values: [DimensionValue?] = (0..<width).map { dimension in
                codes[dimension] == .max ? nil : keys[dimension].values[Int(codes[dimension])]
            }
            return PivotResult.Cell(
                rowValues: Array(values[..<rowDimensions]),
                columnValues: Array(values[rowDimensions...]),
                measures: measures.indices.map { merged[$0].value(of: measures[$0], at: target) }
            )
        }
    }

    /// The groups merged by the kept dimensions (the others set to `UInt32.max`), in order of first appearance.
    private func merge(keeping kept: [Bool], measures: [Measure]) throws(PivotError) -> ([[UInt32]], [Accumulator]) {
        let width = keys.count
        var (order, merged) = try regroup(measures: measures) { group in
            (0..<width).map { kept[$0] ? groupCodes[group * width + $0] : UInt32.max }
        }
        if groupCount == 0 && !kept.contains(true) {
            // A grand total over no rows still exists.
            order.append(Array(repeating: .max, count: width))
            for measure in merged.indices { merged[measure].appendGroup() }
        }
        return (order, merged)
    }

    /// Merges the groups into new ones keyed by `codesOf(group)`, in order of first appearance.
    private func regroup(
        measures: [Measure],
        _ codesOf: (Int) -> [UInt32]
    ) throws(PivotError) -> ([[UInt32]], [Accumulator]) {
        var index: [[UInt32]: Int] = [:]
        var order: [[UInt32]] = []
        var merged = accumulators.map { _ in Accumulator() }
        for group in 0..<groupCount {
            let codes = codesOf(group)
            let target: Int
            if let existing = index[codes] {
                target = existing
            } else {
                target = order.count
                index[codes] = target
                order.append(codes)
                for measure in merged.indices { merged[measure].appendGroup() }
            }
            for measure in merged.indices {
                try merged[measure].absorb(
                    group,
                    of: accumulators[measure],
                    at: target,
                    name: measures[measure]
                )
            }
        }
        return (order, merged)
    }
}

/// Maps the combined dimension codes of a row to its group, within one part of an aggregation.
private struct GroupIndex {
    /// The multiplier of each dimension's code in the combined code.
    var strides: [Int] = []
    /// How many combinations of members exist (`Int.max` when that overflows).
    var product = 1
    /// Few combinations: a direct index from combined code to group (-1: none yet).
    var direct: [Int32] = []
    var hashed: [UInt32: Int32] = [:]
    /// Combinations beyond 32 bits: keyed by the codes themselves.
    var wide: [[UInt32]: Int32] = [:]

    var isDirect: Bool { product <= 1 << 22 }

    init(keys: [KeyColumn]) {
        for key in keys {
            strides.append(product)
            let (next, overflow) = product.multipliedReportingOverflow(by: Swift.max(key.cardinality, 1))
            product = overflow ? .max : next
        }
    }

    /// Allocates the direct index when it is used.
    mutating func prepare() {
        if isDirect && direct.isEmpty { direct = [Int32](repeating: -1, count: product) }
    }
}

/// Finds a group by its codes while the parts' aggregations are merged: built once, over the first part's groups,
/// and extended as later parts add groups. Codes are combined into one integer as rows' keys are (a dictionary
/// keyed by arrays would allocate one per group and part); combinations beyond `Int` are keyed by the codes.
private struct MergeIndex {
    private let strides: [Int]?
    private var combined: [Int: Int] = [:]
    private var wide: [[UInt32]: Int] = [:]

    init(keys: [KeyColumn]) {
        let layout = GroupIndex(keys: keys)
        strides = layout.product == .max ? nil : layout.strides
    }

    private func key(_ codes: ArraySlice<UInt32>) -> Int? {
        guard let strides else { return nil }
        var key = 0
        for (code, stride) in zip(codes, strides) { key += Int(code) * stride }
        return key
    }

    func slot(of codes: ArraySlice<UInt32>) -> Int? {
        if let key = key(codes) { return combined[key] }
        return wide[Array(codes)]
    }

    mutating func insert(_ codes: ArraySlice<UInt32>, slot: Int) {
        if let key = key(codes) {
            combined[key] = slot
        } else {
            wide[Array(codes)] = slot
        }
    }
}
