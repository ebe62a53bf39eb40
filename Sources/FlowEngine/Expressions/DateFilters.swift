import Foundation

/// The `format`, `timeZone`, `existingFormat` and `locale` arguments shared by `date`, `dateAdd`, `now` and the
/// timestamp filters.
struct DateArguments {
    static let parameters = ["format", "timeZone", "existingFormat", "locale"]

    var format: String
    var zone: DateZone
    var existingFormat: String?

    /// Reads the arguments starting at `first`; the zone defaults to the context's.
    init(_ arguments: FilterArguments, from first: Int, context: EvaluationContext) throws(EvaluationFailure) {
        format = try arguments.string(first) ?? "iso"
        if let name = try arguments.string(first + 1) {
            guard let zone = DateZone(name) else { throw EvaluationFailure("unknown time zone `\(name)`") }
            self.zone = zone
        } else {
            zone = .region(context.timeZone, id: context.timeZone.identifier)
        }
        existingFormat = try arguments.string(first + 2)
    }
}

/// `date`, `dateAdd` and the `timestamp` filters.
enum DateFilters {
    static func apply(
        _ name: FilterName,
        to input: FlowValue,
        arguments: FilterArguments,
        context: EvaluationContext
    ) throws(EvaluationFailure) -> FlowValue {
        if input == .null { return .null }
        let dateArguments = try DateArguments(arguments, from: name == .dateAdd ? 2 : 0, context: context)
        var date = try convert(input, zone: dateArguments.zone, existingFormat: dateArguments.existingFormat)
            .converted(to: dateArguments.zone)
        switch name {
        case .timestamp: return .int(date.epochSecond)
        case .timestampMilli: return try timestamp(date, unitsPerSecond: 1000)
        case .timestampMicro: return try timestamp(date, unitsPerSecond: 1_000_000)
        case .timestampNano: return try timestamp(date, unitsPerSecond: 1_000_000_000)
        case .dateAdd:
            guard let amount = try arguments.integer(0) else { throw EvaluationFailure("needs an amount") }
            guard let unit = try arguments.string(1) else { throw EvaluationFailure("needs a unit") }
            date = try add(amount, unit: unit, to: date)
        default: break
        }
        return .string(try DateFormat.format(date, as: dateArguments.format))
    }

    /// The largest epoch second the date filters accept (about three million years), so that field arithmetic
    /// cannot overflow.
    static let maximumEpochSecond = 100_000_000_000_000

    private static func timestamp(_ date: ZonedDateTime, unitsPerSecond: Int) throws(EvaluationFailure) -> FlowValue {
        let (scaled, overflow) = date.epochSecond.multipliedReportingOverflow(by: unitsPerSecond)
        guard !overflow else { throw EvaluationFailure("the date does not fit in a timestamp") }
        return .int(scaled + date.nanosecond / (1_000_000_000 / unitsPerSecond))
    }

    private static func checked(_ date: ZonedDateTime) throws(EvaluationFailure) -> ZonedDateTime {
        guard date.epochSecond.magnitude <= maximumEpochSecond.magnitude else {
            throw EvaluationFailure("the date is out of range")
        }
        return date
    }

    /// A date from an ISO string (zoned, local date-time placed in `zone`, or a date at noon), epoch seconds, or text
    /// in `existingFormat`.
    static func convert(
        _ input: FlowValue,
        zone: DateZone,
        existingFormat: String?
    ) throws(EvaluationFailure) -> ZonedDateTime {
        switch input {
        case .int(let seconds):
            return try checked(ZonedDateTime(epochSecond: seconds, nanosecond: 0, zone: zone))
        case .decimal(let seconds):
            let whole = DecimalRounding.round(seconds, scale: 0, mode: .floor)
            let nanos = DecimalRounding.round((seconds - whole) * 1_000_000_000, scale: 0, mode: .halfUp)
            guard let epochSecond = FlowValue.decimal(whole).integerValue,
                epochSecond.magnitude <= maximumEpochSecond.magnitude
            else {
                throw EvaluationFailure("the date is out of range")
            }
            return ZonedDateTime(
                epochSecond: epochSecond,
                nanosecond: FlowValue.decimal(nanos).integerValue ?? 0,
                zone: zone
            )
        case .string(let text):
            if let existingFormat, !DateFormat.isoPresets.contains(existingFormat) {
                return try DatePatternParser.parse(
                    text,
                    pattern: DateFormat.patternPresets[existingFormat] ?? existingFormat,
                    zone: zone
                )
            }
            switch ISODateParser.parse(text.trimmingCharacters(in: .whitespaces)) {
            case .zoned(let date): return date
            case .local(let local), .date(let local): return ZonedDateTime(local: local, zone: zone)
            case nil: throw EvaluationFailure("`\(text)` is not a date")
            }
        default:
            throw EvaluationFailure("needs a date, not \(input.kindName)")
        }
    }

    /// Java's `ZonedDateTime.plus(amount, ChronoUnit)`: days and longer move the wall clock, shorter units the instant.
    static func add(_ amount: Int, unit: String, to date: ZonedDateTime) throws(EvaluationFailure) -> ZonedDateTime {
        let exact: [String: Int] = [
            "SECONDS": 1, "MINUTES": 60, "HOURS": 3600, "HALF_DAYS": 43200,
        ]
        let fractional: [String: Int] = ["NANOS": 1, "MICROS": 1000, "MILLIS": 1_000_000]
        let calendar: [String: (months: Int, days: Int)] = [
            "DAYS": (0, 1), "WEEKS": (0, 7), "MONTHS": (1, 0), "YEARS": (12, 0), "DECADES": (120, 0),
            "CENTURIES": (1200, 0), "MILLENNIA": (12000, 0),
        ]
        let name = unit.uppercased()
        // Any larger amount leaves the supported range whatever the unit.
        guard amount.magnitude <= maximumEpochSecond.magnitude else {
            throw EvaluationFailure("the date is out of range")
        }
        var result = date
        if let seconds = exact[name] {
            let (shift, overflow) = amount.multipliedReportingOverflow(by: seconds)
            guard !overflow, shift.magnitude <= maximumEpochSecond.magnitude else {
                throw EvaluationFailure("the date is out of range")
            }
            result.epochSecond += shift
        } else if let nanos = fractional[name] {
            let (shift, overflow) = amount.multipliedReportingOverflow(by: nanos)
            guard !overflow else { throw EvaluationFailure("the date is out of range") }
            let total = date.nanosecond + shift
            let seconds = total >= 0 ? total / 1_000_000_000 : (total - 999_999_999) / 1_000_000_000
            result.epochSecond += seconds
            result.nanosecond = total - seconds * 1_000_000_000
        } else if let step = calendar[name] {
            var local = date.local
            guard amount.magnitude <= 12_000_000 else { throw EvaluationFailure("the date is out of range") }
            if step.months != 0 {
                let months = local.year * 12 + (local.month - 1) + amount * step.months
                local.year = months >= 0 ? months / 12 : (months - 11) / 12
                local.month = months - local.year * 12 + 1
                local.day = min(local.day, LocalDateTime.daysInMonth(year: local.year, month: local.month))
            } else {
                let civil = LocalDateTime.civil(fromDays: local.epochDay + amount * step.days)
                (local.year, local.month, local.day) = civil
            }
            result = ZonedDateTime(local: local, zone: date.zone)
        } else {
            throw EvaluationFailure(
                "unknown unit `\(unit)` (use NANOS … SECONDS, MINUTES, HOURS, DAYS, WEEKS, MONTHS, YEARS)"
            )
        }
        return try checked(result)
    }
}

/// Reads text with a Java pattern; missing time fields are zero and a missing zone is the given one.
enum DatePatternParser {
    static func parse(_ text: String, pattern: String, zone: DateZone) throws(EvaluationFailure) -> ZonedDateTime {
        let elements = try DateFormat.elements(of: pattern)
        var scanner = DigitScanner(text)
        var local = LocalDateTime(year: 1970, month: 1, day: 1)
        var isPM: Bool?
        var parsedZone: DateZone?
        let failure = EvaluationFailure("`\(text)` does not match the format `\(pattern)`")
        for (index, element) in elements.enumerated() {
            guard case .field(let letter, let count) = element else {
                if case .literal(let literal) = element, !scanner.take(text: literal) { throw failure }
                continue
            }
            // A number followed directly by another number field has exactly the pattern's width.
            var nextIsNumber = false
            if index + 1 < elements.count, case .field(let next, let nextCount) = elements[index + 1] {
                nextIsNumber = "yuMdDHhKkmsSn".contains(next) && !(next == "M" && nextCount >= 3)
            }
            switch letter {
            case "M" where count >= 3, "L" where count >= 3:
                guard let month = name(in: DateFormat.monthNames, count: count, scanner: &scanner) else {
                    throw failure
                }
                local.month = month + 1
            case "E":
                guard name(in: DateFormat.dayNames, count: count, scanner: &scanner) != nil else { throw failure }
            case "a":
                if scanner.take(text: "AM") || scanner.take(text: "am") {
                    isPM = false
                } else if scanner.take(text: "PM") || scanner.take(text: "pm") {
                    isPM = true
                } else {
                    throw failure
                }
            case "X", "x", "Z":
                if scanner.take("Z") {
                    parsedZone = .fixed(seconds: 0)
                } else {
                    let offset = scanner.remainder.prefix { "+-:0123456789".contains($0) }
                    guard let seconds = DateZone.offsetSeconds(String(offset)) else { throw failure }
                    scanner.skip(offset.count)
                    parsedZone = .fixed(seconds: seconds)
                }
            case "V", "z":
                let name = scanner.remainder.prefix { !$0.isWhitespace && $0 != "]" }
                let abbreviated = TimeZone(abbreviation: String(name)).map { DateZone.region($0, id: String(name)) }
                guard let zone = DateZone(String(name)) ?? abbreviated else { throw failure }
                scanner.skip(name.count)
                parsedZone = zone
            default:
                let digits =
                    nextIsNumber || letter == "S" ? scanner.digits(maximum: count) : scanner.digits(maximum: 10)
                guard !digits.isEmpty, let value = Int(digits) else { throw failure }
                switch letter {
                case "y", "u": local.year = count == 2 && digits.count == 2 ? 2000 + value : value
                case "M", "L": local.month = value
                case "d": local.day = value
                case "H", "k": local.hour = value % 24
                case "h", "K": local.hour = value % 12
                case "m": local.minute = value
                case "s": local.second = value
                case "S": local.nanosecond = value * Int(pow(10, Double(9 - min(9, digits.count))))
                case "n": local.nanosecond = value
                default: break
                }
            }
        }
        guard scanner.isAtEnd, (1...12).contains(local.month),
            (1...LocalDateTime.daysInMonth(year: local.year, month: local.month)).contains(local.day),
            local.minute < 60, local.second < 60
        else { throw failure }
        if isPM == true { local.hour = local.hour % 12 + 12 }
        return ZonedDateTime(local: local, zone: parsedZone ?? zone)
    }

    /// The index of the month or day name at the scanner (full, or its first three letters).
    private static func name(in names: [String], count: Int, scanner: inout DigitScanner) -> Int? {
        for (index, name) in names.enumerated() {
            let candidate = count == 4 ? name : String(name.prefix(3))
            if scanner.remainder.prefix(candidate.count).map({ $0.lowercased() }).joined() == candidate.lowercased() {
                scanner.skip(candidate.count)
                return index
            }
        }
        return nil
    }
}
