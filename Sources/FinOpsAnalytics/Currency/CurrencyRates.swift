import FinOpsCore

/// Dated exchange rates, from a user's CSV `date,from,to,rate` (1 FROM = rate TO from that date on).
///
/// Amounts of different currencies are never added; converting them to one reporting currency first makes them
/// comparable, with the rate used shown beside each converted amount.
public struct CurrencyRates: Sendable, Hashable {
    /// A rate in force from a day on.
    public struct Rate: Sendable, Hashable {
        /// The first day it applies.
        public var date: CalendarDay
        /// Units of the target currency per unit of the source.
        public var rate: ExactDecimal
    }

    private var rates: [String: [Rate]]  // "FROM>TO" → by date

    /// Rates from CSV text that came from `path`.
    ///
    /// - Throws: ``AnalyticsError`` naming the file, line and field of the first bad row.
    public init(csv text: String, path: String) throws(AnalyticsError) {
        rates = [:]
        for (at, fields) in try TextFile.rows(
            text,
            path: path,
            header: ["date", "from", "to", "rate"],
            what: "rates file"
        ) {
            guard let date = CalendarDay(fields[0]) else {
                throw AnalyticsError(.invalidFile, "field date: '\(fields[0])' is not YYYY-MM-DD", at: at)
            }
            guard !fields[1].isEmpty, !fields[2].isEmpty, fields[1] != fields[2] else {
                throw AnalyticsError(.invalidFile, "fields from and to must be two different currency codes", at: at)
            }
            guard let rate = ExactDecimal(fields[3]), !rate.isNegative, !rate.isZero else {
                throw AnalyticsError(.invalidFile, "field rate: '\(fields[3])' must be a decimal above 0", at: at)
            }
            let key = fields[1] + ">" + fields[2]
            if rates[key, default: []].contains(where: { $0.date == date }) {
                throw AnalyticsError(.invalidFile, "a second rate \(fields[1])→\(fields[2]) for \(date)", at: at)
            }
            rates[key, default: []].append(Rate(date: date, rate: rate))
        }
        for key in rates.keys { rates[key]?.sort { $0.date < $1.date } }
    }

    /// Reads a rates file.
    public init(contentsOf path: String) throws(AnalyticsError) {
        try self.init(csv: try TextFile.read(path, "rates file"), path: path)
    }

    /// The rate from `source` to `target` in force on `day` (the latest dated on or before it); 1 for the same
    /// currency; `nil` when the file has none.
    public func rate(from source: String, to target: String, on day: CalendarDay) -> Rate? {
        if source == target { return Rate(date: day, rate: ExactDecimal(1)) }
        return rates[source + ">" + target]?.last { $0.date <= day }
    }

    /// `amount × rate`, rounded half to even at `places` fractional digits.
    ///
    /// - Throws: ``AnalyticsError`` when the product leaves the exact range.
    public static func convert(
        _ amount: ExactDecimal,
        at rate: ExactDecimal,
        places: Int = 18
    ) throws(AnalyticsError)
        -> ExactDecimal
    {
        precondition((0...ExactDecimal.fractionDigits).contains(places))
        let product = amount.units.magnitude.multipliedFullWidth(by: rate.units.magnitude)
        var divisor = UInt128(ExactDecimal.unitsPerOne)
        for _ in places..<ExactDecimal.fractionDigits { divisor *= 10 }
        let overflow = AnalyticsError(.overflow, "\(amount) × \(rate) leaves the exact decimal range")
        guard product.high < divisor else { throw overflow }
        var quotient: UInt128
        let remainder: UInt128
        (quotient, remainder) = divisor.dividingFullWidth(product)
        let twice = remainder.multipliedFullWidth(by: 2)
        if twice.high > 0 || twice.low > divisor || (twice.low == divisor && quotient % 2 == 1) {
            guard quotient < UInt128.max else { throw overflow }
            quotient += 1
        }
        var scale: UInt128 = 1
        for _ in places..<ExactDecimal.fractionDigits { scale *= 10 }
        let (units, multiplyOverflow) = quotient.multipliedReportingOverflow(by: scale)
        guard !multiplyOverflow, units <= UInt128(Int128.max) else { throw overflow }
        let signed = Int128(units)
        return ExactDecimal(units: amount.isNegative != rate.isNegative ? -signed : signed)
    }
}

extension AllocationResult {
    /// The showback in one reporting currency: each line converted at the rate in force on its period's first day
    /// (shown with its date), rounded half to even at `places` digits.
    ///
    /// - Throws: ``AnalyticsError`` for a currency the rates do not cover on that day.
    public func converted(
        to currency: String,
        rates: CurrencyRates,
        places: Int = 2
    ) throws(AnalyticsError)
        -> ResultTable
    {
        var table = ResultTable(columns: [
            (targetName, .text), ("period", .text), ("currency", .text), ("amount", .text), ("rate", .text),
            ("rate_date", .text), ("\(currency)_amount", .text),
        ])
        for line in lines {
            guard let start = line.periodStart else {
                throw AnalyticsError(.invalidParameter, "rows without a charge period cannot be converted")
            }
            let day = CalendarDay(containing: start)
            guard let rate = rates.rate(from: line.currency, to: currency, on: day) else {
                throw AnalyticsError(
                    .invalidParameter,
                    "no rate from \(line.currency) to \(currency) on or before \(day): add a row to the rates file"
                )
            }
            let amount = try CurrencyRates.convert(line.amount, at: rate.rate, places: places)
            table.append([
                line.target, line.period, line.currency, line.amount.description, rate.rate.description,
                rate.date.description, amount.description,
            ])
        }
        return table
    }
}
