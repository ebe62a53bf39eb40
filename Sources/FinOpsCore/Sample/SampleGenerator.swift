/// Writes realistic, deterministic FOCUS 1.2 exports for demos, tests and benchmarks.
///
/// The same rows, seed and start month give a byte-identical file. The data has three providers, billing
/// accounts in two currencies, sub-accounts, 120 services, 25 regions, a pool of resources picked with a heavy
/// skew, tags (some missing a key, some rows without tags), committed, spot and standard usage, commitment
/// purchases, tax, credits and adjustments. Costs are computed in exact decimal arithmetic
/// (ListCost = ListUnitPrice × PricingQuantity, and so on), never through binary floating point.
public struct SampleGenerator: Sendable {
    /// The number of data rows.
    public var rows: Int
    /// The seed of the pseudo-random sequence.
    public var seed: UInt64
    /// The first charge month; rows spread evenly, hour by hour, over `months` months.
    public var startYear: Int
    /// The first charge month's number (1–12).
    public var startMonth: Int
    /// The number of months covered (each one billing period).
    public var months: Int
    /// When set, the last month holds only its first days, as an export taken in the middle of a month does.
    public var lastMonthDays: Int?

    /// Creates a generator.
    public init(rows: Int, seed: UInt64 = 42, startYear: Int = 2024, startMonth: Int = 1, months: Int = 3) {
        precondition(rows >= 0 && months >= 1 && (1...12).contains(startMonth))
        self.rows = rows
        self.seed = seed
        self.startYear = startYear
        self.startMonth = startMonth
        self.months = months
    }

    /// The header: the 57 FOCUS 1.2 columns, then one extra `x_` column.
    public static let header: [String] = FocusSchema.columns.map(\.name) + ["x_ResourceGroup"]

    /// Writes the file (plain CSV) to `path`.
    ///
    /// - Throws: ``CostStoreError`` if the file cannot be written.
    public func write(to path: String) throws(CostStoreError) {
        let writer = try BufferedFileWriter(path: path)
        try write { (bytes) throws(CostStoreError) in try writer.append(bytes) }
        try writer.sync()
    }

    /// Produces the file's bytes in chunks of about 1 MiB.
    public func write(_ sink: ([UInt8]) throws(CostStoreError) -> Void) throws(CostStoreError) {
        var world = SampleWorld(seed: seed, rows: rows)
        var out = CSVLineWriter()
        out.bytes.reserveCapacity(1 << 21)
        for (index, name) in Self.header.enumerated() {
            if index > 0 { out.comma() }
            out.raw(name)
        }
        out.newline()
        let calendar = SampleCalendar(
            startYear: startYear,
            startMonth: startMonth,
            months: months,
            lastMonthDays: lastMonthDays
        )
        for row in 0..<rows {
            let hour = rows <= 1 ? 0 : Int(Int64(row) * Int64(calendar.hours) / Int64(rows))
            world.writeRow(hour: calendar.slot(hour), to: &out)
            if out.bytes.count >= 1 << 20 {
                try sink(out.bytes)
                out.bytes.removeAll(keepingCapacity: true)
            }
        }
        if !out.bytes.isEmpty { try sink(out.bytes) }
    }
}

/// A small, fast, deterministic pseudo-random generator (SplitMix64).
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }

    /// A uniform integer in `0..<bound`.
    mutating func next(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// A uniform integer in `range`.
    mutating func next(in range: ClosedRange<Int64>) -> Int64 {
        range.lowerBound + Int64(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }

    /// A number in `0..<1000` (per mille), for choosing among weighted cases.
    mutating func perMille() -> Int {
        next(1000)
    }

    /// An index in `0..<count` skewed towards 0 (a few items get most of the picks).
    mutating func skewed(_ count: Int) -> Int {
        let unit = Double(next() >> 11) / Double(1 << 53)
        return min(count - 1, Int(Double(count) * unit * unit * unit))
    }
}

/// Pre-rendered timestamps for every hour of the generated months.
struct SampleCalendar {
    struct Slot {
        var start: [UInt8]
        var end: [UInt8]
        var billingStart: [UInt8]
        var billingEnd: [UInt8]
        var month: Int
    }

    private var slots: [Slot] = []
    var hours: Int { slots.count }

    init(startYear: Int, startMonth: Int, months: Int, lastMonthDays: Int? = nil) {
        var year = startYear
        var month = startMonth
        for index in 0..<months {
            let period = BillingPeriod.month(year, month)!
            let billingStart = Array(period.start.description.utf8)
            let billingEnd = Array(period.end.description.utf8)
            var hour = period.start.microsecondsSinceEpoch
            var end = period.end.microsecondsSinceEpoch
            if index == months - 1, let days = lastMonthDays {
                end = min(end, hour + Int64(max(days, 1)) * 86_400_000_000)
            }
            while hour < end {
                let next = hour + 3_600_000_000
                slots.append(
                    Slot(
                        start: Array(Timestamp(microsecondsSinceEpoch: hour).description.utf8),
                        end: Array(Timestamp(microsecondsSinceEpoch: next).description.utf8),
                        billingStart: billingStart,
                        billingEnd: billingEnd,
                        month: index
                    )
                )
                hour = next
            }
            month += 1
            if month == 13 {
                month = 1
                year += 1
            }
        }
    }

    func slot(_ hour: Int) -> Slot {
        slots[min(hour, slots.count - 1)]
    }
}

/// Appends CSV fields as bytes, quoting only where RFC 4180 needs it.
struct CSVLineWriter {
    var bytes: [UInt8] = []

    mutating func comma() {
        bytes.append(UInt8(ascii: ","))
    }

    mutating func newline() {
        bytes.append(0x0A)
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func raw(_ text: [UInt8]) {
        bytes.append(contentsOf: text)
    }

    /// A field that may contain commas or quotes.
    mutating func quoted(_ text: [UInt8]) {
        guard text.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A }) else {
            bytes.append(contentsOf: text)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in text {
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// An exact decimal `units × 10^-scale`, shortest form.
    mutating func decimal(_ units: Int128, scale: Int) {
        var magnitude = units.magnitude
        if units < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: [UInt8] = []
        digits.reserveCapacity(40)
        repeat {
            digits.append(UInt8(magnitude % 10) + 48)
            magnitude /= 10
        } while magnitude > 0
        while digits.count <= scale { digits.append(48) }
        var firstKept = 0
        while firstKept < scale, digits[firstKept] == 48 { firstKept += 1 }
        for index in stride(from: digits.count - 1, through: scale, by: -1) { bytes.append(digits[index]) }
        if firstKept < scale {
            bytes.append(UInt8(ascii: "."))
            for index in stride(from: scale - 1, through: firstKept, by: -1) { bytes.append(digits[index]) }
        }
    }
}
