import Foundation

/// A zone a date is shown in: a fixed offset (`Z`, `+01:00`) or a region with daylight saving (`Europe/Paris`).
enum DateZone: Sendable {
    case fixed(seconds: Int)
    /// A region, with the identifier it was asked for (Linux reports `UTC` as `GMT`; Java prints what was asked).
    case region(TimeZone, id: String)

    /// Parses `Z`, `UTC`, `+01:00`, `-0530`, `+02` or a zone identifier.
    init?(_ text: String) {
        if text == "Z" {
            self = .fixed(seconds: 0)
        } else if let first = text.first, first == "+" || first == "-", let seconds = Self.offsetSeconds(text) {
            self = .fixed(seconds: seconds)
        } else if let zone = TimeZone(identifier: text) {
            self = .region(zone, id: text)
        } else {
            return nil
        }
    }

    /// Seconds east of UTC for `+HH`, `+HHMM`, `+HH:MM` or `+HH:MM:SS`.
    static func offsetSeconds(_ text: String) -> Int? {
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let digits = Array(text.dropFirst().filter { $0 != ":" })
        guard [2, 4, 6].contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        // Two digits each for hours, minutes and seconds; the missing ones are zero.
        let parts = stride(from: 0, to: 6, by: 2).map { index in
            index < digits.count ? Int(String(digits[index..<index + 2])) ?? 0 : 0
        }
        let (hours, minutes, seconds) = (parts[0], parts[1], parts[2])
        guard hours <= 18, minutes < 60, seconds < 60 else { return nil }
        let total = hours * 3600 + minutes * 60 + seconds
        return sign == "-" ? -total : total
    }

    /// The offset from UTC at an instant.
    func offset(atEpochSecond second: Int) -> Int {
        switch self {
        case .fixed(let seconds): seconds
        case .region(let zone, _): zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(second)))
        }
    }

    /// The identifier Java prints in brackets, `nil` for a fixed offset.
    var regionIdentifier: String? {
        if case .region(_, let id) = self { return id }
        return nil
    }

    /// The epoch second of a wall-clock time in this zone (the earlier one when the clock was set back).
    func epochSecond(of local: LocalDateTime) -> Int {
        let wall = local.epochSecondAsUTC
        switch self {
        case .fixed(let seconds): return wall - seconds
        case .region:
            let guess = wall - offset(atEpochSecond: wall)
            return wall - offset(atEpochSecond: guess)
        }
    }
}

/// A calendar date and wall-clock time without a zone (proleptic Gregorian).
struct LocalDateTime: Sendable, Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour = 0
    var minute = 0
    var second = 0
    var nanosecond = 0

    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number counted from 1970-01-01.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, nanosecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
    }

    /// The wall-clock fields of an epoch second shifted by an offset.
    init(epochSecond: Int, offset: Int, nanosecond: Int) {
        let local = epochSecond + offset
        let days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secondOfDay = local - days * 86400
        let date = Self.civil(fromDays: days)
        self.init(
            year: date.year,
            month: date.month,
            day: date.day,
            hour: secondOfDay / 3600,
            minute: secondOfDay / 60 % 60,
            second: secondOfDay % 60,
            nanosecond: nanosecond
        )
    }

    var epochDay: Int { Self.days(year: year, month: month, day: day) }

    var epochSecondAsUTC: Int { epochDay * 86400 + hour * 3600 + minute * 60 + second }

    /// 1 (Monday) to 7 (Sunday).
    var dayOfWeek: Int { ((epochDay % 7 + 7) % 7 + 3) % 7 + 1 }

    var dayOfYear: Int { epochDay - Self.days(year: year, month: 1, day: 1) + 1 }

    /// The ISO week-based year and week number.
    var isoWeek: (year: Int, week: Int) {
        let week = (dayOfYear - dayOfWeek + 10) / 7
        if week < 1 {
            let previous = LocalDateTime(year: year - 1, month: 12, day: 31)
            return (year - 1, previous.isoWeek.week)
        }
        let weeksInYear = Self.isoWeeksInYear(year)
        return week > weeksInYear ? (year + 1, 1) : (year, week)
    }

    private static func isoWeeksInYear(_ year: Int) -> Int {
        let january1 = LocalDateTime(year: year, month: 1, day: 1).dayOfWeek
        return january1 == 4 || (isLeap(year) && january1 == 3) ? 53 : 52
    }
}

/// An instant seen in a zone: what the `date` filters format and compute with.
struct ZonedDateTime: Sendable {
    var epochSecond: Int
    var nanosecond: Int
    var zone: DateZone

    var offset: Int { zone.offset(atEpochSecond: epochSecond) }

    var local: LocalDateTime { LocalDateTime(epochSecond: epochSecond, offset: offset, nanosecond: nanosecond) }

    init(epochSecond: Int, nanosecond: Int, zone: DateZone) {
        self.epochSecond = epochSecond
        self.nanosecond = nanosecond
        self.zone = zone
    }

    init(local: LocalDateTime, zone: DateZone) {
        self.init(epochSecond: zone.epochSecond(of: local), nanosecond: local.nanosecond, zone: zone)
    }

    init(date: Date, zone: DateZone) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let nanos = Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded()) * 1000
        self.init(epochSecond: Int(seconds) + nanos / 1_000_000_000, nanosecond: nanos % 1_000_000_000, zone: zone)
    }

    /// The same instant in another zone.
    func converted(to zone: DateZone) -> ZonedDateTime {
        ZonedDateTime(epochSecond: epochSecond, nanosecond: nanosecond, zone: zone)
    }
}

/// Reads the ISO-8601 forms Kestra accepts: zoned or offset date-times, local date-times and dates.
enum ISODateParser {
    /// A parsed date: an instant when the text had an offset, otherwise wall-clock fields to place in a zone.
    enum Parsed {
        case zoned(ZonedDateTime)
        case local(LocalDateTime)
        /// A date alone, which Kestra places at noon.
        case date(LocalDateTime)
    }

    static func parse(_ text: String) -> Parsed? {
        var scanner = DigitScanner(text)
        guard let year = scanner.number(digits: 4), scanner.take("-"), let month = scanner.number(digits: 2),
            scanner.take("-"), let day = scanner.number(digits: 2), (1...12).contains(month),
            (1...LocalDateTime.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        var local = LocalDateTime(year: year, month: month, day: day)
        if scanner.isAtEnd {
            local.hour = 12
            return .date(local)
        }
        guard scanner.take("T") || scanner.take("t") || scanner.take(" "), let hour = scanner.number(digits: 2),
            scanner.take(":"), let minute = scanner.number(digits: 2), hour < 24, minute < 60
        else { return nil }
        local.hour = hour
        local.minute = minute
        if scanner.take(":") {
            guard let second = scanner.number(digits: 2), second < 60 else { return nil }
            local.second = second
            if scanner.take(".") || scanner.take(",") {
                let digits = scanner.digits()
                guard (1...9).contains(digits.count), let fraction = Int(digits) else { return nil }
                local.nanosecond = fraction * Int(pow(10, Double(9 - digits.count)))
            }
        }
        if scanner.isAtEnd { return .local(local) }
        var zone: DateZone
        if scanner.take("Z") || scanner.take("z") {
            zone = .fixed(seconds: 0)
        } else {
            let offsetText = scanner.remainder.prefix { $0 != "[" }
            guard let seconds = DateZone.offsetSeconds(String(offsetText)) else { return nil }
            scanner.skip(offsetText.count)
            zone = .fixed(seconds: seconds)
        }
        let offsetZone = zone
        if scanner.take("[") {
            let name = scanner.remainder.prefix { $0 != "]" }
            guard let region = DateZone(String(name)) else { return nil }
            scanner.skip(name.count)
            guard scanner.take("]") else { return nil }
            zone = region
        }
        guard scanner.isAtEnd else { return nil }
        // The written offset fixes the instant; a bracketed region only changes how it is shown.
        let instant = ZonedDateTime(local: local, zone: offsetZone)
        return .zoned(instant.converted(to: zone))
    }
}

/// A cursor over text for the date readers.
struct DigitScanner {
    private let characters: [Character]
    private(set) var position = 0

    init(_ text: String) { characters = Array(text) }

    var isAtEnd: Bool { position >= characters.count }

    var remainder: ArraySlice<Character> { characters[min(position, characters.count)...] }

    var next: Character? { isAtEnd ? nil : characters[position] }

    mutating func skip(_ count: Int) { position += count }

    mutating func take(_ character: Character) -> Bool {
        guard next == character else { return false }
        position += 1
        return true
    }

    mutating func take(text: String) -> Bool {
        guard remainder.starts(with: text) else { return false }
        position += text.count
        return true
    }

    /// Exactly `digits` decimal digits.
    mutating func number(digits: Int) -> Int? {
        guard position + digits <= characters.count,
            characters[position..<position + digits].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        defer { position += digits }
        return Int(String(characters[position..<position + digits]))
    }

    /// All decimal digits from here, up to `maximum`.
    mutating func digits(maximum: Int = .max) -> String {
        let start = position
        while position < characters.count, position - start < maximum, characters[position].isASCII,
            characters[position].isNumber
        {
            position += 1
        }
        return String(characters[start..<position])
    }
}
