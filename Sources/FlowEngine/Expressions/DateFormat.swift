import Foundation

/// Java `DateTimeFormatter` patterns (`yyyy-MM-dd'T'HH:mm:ss.SSSXXX`) and Kestra's named formats, in English.
enum DateFormat {
    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
        "December",
    ]
    static let dayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// Kestra's named formats that are patterns.
    static let patternPresets = [
        "iso": "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
        "iso_sec": "yyyy-MM-dd'T'HH:mm:ssXXX",
        "sql": "yyyy-MM-dd HH:mm:ss.SSSSSS",
        "sql_seq": "yyyy-MM-dd HH:mm:ss",
        // Java's localized styles for English (US), with a plain space before AM/PM.
        "full": "EEEE, MMMM d, y 'at' h:mm:ss a zzzz",
        "long": "MMMM d, y 'at' h:mm:ss a z",
        "medium": "MMM d, y, h:mm:ss a",
        "short": "M/d/yy, h:mm a",
    ]

    /// Kestra's named formats that are Java's ISO formatters.
    static let isoPresets: Set<String> = [
        "iso_date_time", "iso_date", "iso_time", "iso_local_date", "iso_instant", "iso_local_date_time",
        "iso_local_time", "iso_offset_time", "iso_offset_date", "iso_offset_date_time", "iso_ordinal_date",
        "iso_week_date", "iso_zoned_date_time", "rfc_1123_date_time",
    ]

    /// A date formatted by a named format or a pattern.
    static func format(_ date: ZonedDateTime, as format: String) throws(EvaluationFailure) -> String {
        if isoPresets.contains(format) { return isoFormat(date, format) }
        return try formatPattern(date, patternPresets[format] ?? format)
    }

    // MARK: - Patterns

    enum Element: Equatable {
        case literal(String)
        case field(Character, count: Int)
    }

    /// The pattern split into literal text and runs of pattern letters.
    static func elements(of pattern: String) throws(EvaluationFailure) -> [Element] {
        var elements: [Element] = []
        var characters = Array(pattern)[...]
        while let character = characters.first {
            if character == "'" {
                characters = characters.dropFirst()
                if characters.first == "'" {
                    elements.append(.literal("'"))
                    characters = characters.dropFirst()
                    continue
                }
                var literal = ""
                while let next = characters.first {
                    characters = characters.dropFirst()
                    if next == "'" {
                        if characters.first == "'" {
                            literal.append("'")
                            characters = characters.dropFirst()
                            continue
                        }
                        break
                    }
                    literal.append(next)
                }
                elements.append(.literal(literal))
            } else if character.isASCII, character.isLetter {
                let count = characters.prefix { $0 == character }.count
                guard "GuyYMLdDQqwEaHhKkmsSnNAVzOXxZ".contains(character) else {
                    throw EvaluationFailure("unsupported pattern letter `\(character)` in `\(pattern)`")
                }
                elements.append(.field(character, count: count))
                characters = characters.dropFirst(count)
            } else if character == "[" || character == "]" {
                // Optional sections are always printed and tried leniently when reading.
                characters = characters.dropFirst()
            } else {
                guard character != "{", character != "}", character != "#" else {
                    throw EvaluationFailure("reserved character `\(character)` in pattern `\(pattern)`")
                }
                elements.append(.literal(String(character)))
                characters = characters.dropFirst()
            }
        }
        return elements
    }

    static func formatPattern(_ date: ZonedDateTime, _ pattern: String) throws(EvaluationFailure) -> String {
        let local = date.local
        let offset = date.offset
        var output = ""
        for element in try elements(of: pattern) {
            switch element {
            case .literal(let text): output += text
            case .field(let letter, let count):
                output += try field(letter, count: count, local: local, offset: offset, zone: date.zone)
            }
        }
        return output
    }

    static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(Swift.abs(value))
        let sign = value < 0 ? "-" : ""
        return sign + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func text(_ full: String, count: Int) -> String {
        switch count {
        case 4: full
        case 5: String(full.prefix(1))
        default: String(full.prefix(3))
        }
    }

    private static func field(
        _ letter: Character,
        count: Int,
        local: LocalDateTime,
        offset: Int,
        zone: DateZone
    ) throws(EvaluationFailure) -> String {
        switch letter {
        case "G": return count == 4 ? "Anno Domini" : count == 5 ? "A" : "AD"
        case "y", "u", "Y":
            let year = letter == "Y" ? local.isoWeek.year : local.year
            return count == 2 ? padded(year % 100, 2) : padded(year, count)
        case "M", "L":
            return count >= 3 ? text(monthNames[local.month - 1], count: count) : padded(local.month, count)
        case "d": return padded(local.day, count)
        case "D": return padded(local.dayOfYear, count)
        case "Q", "q":
            let quarter = (local.month - 1) / 3 + 1
            return count == 3
                ? "Q\(quarter)"
                : count == 4
                    ? ["1st", "2nd", "3rd", "4th"][quarter - 1] + " quarter"
                    : padded(quarter, count)
        case "w": return padded(local.isoWeek.week, count)
        case "E": return text(dayNames[local.dayOfWeek - 1], count: count)
        case "a": return local.hour < 12 ? "AM" : "PM"
        case "H": return padded(local.hour, count)
        case "h": return padded(local.hour % 12 == 0 ? 12 : local.hour % 12, count)
        case "K": return padded(local.hour % 12, count)
        case "k": return padded(local.hour == 0 ? 24 : local.hour, count)
        case "m": return padded(local.minute, count)
        case "s": return padded(local.second, count)
        case "S":
            let nanos = padded(local.nanosecond, 9)
            return count <= 9 ? String(nanos.prefix(count)) : nanos + String(repeating: "0", count: count - 9)
        case "n": return padded(local.nanosecond, count)
        case "N":
            return padded(
                (local.hour * 3600 + local.minute * 60 + local.second) * 1_000_000_000 + local.nanosecond,
                count
            )
        case "A":
            return padded(
                (local.hour * 3600 + local.minute * 60 + local.second) * 1000 + local.nanosecond / 1_000_000,
                count
            )
        case "V": return zone.regionIdentifier ?? offsetText(offset, colon: true, zero: "Z")
        case "z":
            guard case .region(let timeZone, _) = zone else { return offsetText(offset, colon: true, zero: "Z") }
            let instant = Date(timeIntervalSince1970: TimeInterval(local.epochSecondAsUTC - offset))
            if count == 4 {
                return timeZone.localizedName(
                    for: timeZone.isDaylightSavingTime(for: instant) ? .daylightSaving : .standard,
                    locale: Locale(identifier: "en_US")
                )
                    ?? timeZone.identifier
            }
            return timeZone.abbreviation(for: instant) ?? timeZone.identifier
        case "O":
            guard offset != 0 else { return "GMT" }
            return count == 4 ? "GMT" + offsetText(offset, colon: true, zero: "") : "GMT" + shortOffset(offset)
        case "X", "x":
            let zero: String? = letter == "X" ? "Z" : nil
            switch count {
            case 1:
                if offset == 0, let zero { return zero }
                return offset % 3600 == 0
                    ? String(offsetText(offset, colon: false, zero: "+00").prefix(3))
                    : offsetText(offset, colon: false, zero: "+0000")
            case 2, 4: return offsetText(offset, colon: false, zero: zero ?? "+0000")
            default: return offsetText(offset, colon: true, zero: zero ?? "+00:00")
            }
        case "Z":
            switch count {
            case 4: return offset == 0 ? "GMT" : "GMT" + offsetText(offset, colon: true, zero: "")
            case 5: return offsetText(offset, colon: true, zero: "Z")
            default: return offsetText(offset, colon: false, zero: "+0000")
            }
        default:
            throw EvaluationFailure("unsupported pattern letter `\(letter)`")
        }
    }

    /// `+01:00` / `+0100` (with seconds when there are any); `zero` for a zero offset.
    static func offsetText(_ offset: Int, colon: Bool, zero: String) -> String {
        guard offset != 0 else { return zero }
        let magnitude = Swift.abs(offset)
        let separator = colon ? ":" : ""
        var text = (offset < 0 ? "-" : "+") + padded(magnitude / 3600, 2) + separator + padded(magnitude / 60 % 60, 2)
        if magnitude % 60 != 0 { text += separator + padded(magnitude % 60, 2) }
        return text
    }

    private static func shortOffset(_ offset: Int) -> String {
        let magnitude = Swift.abs(offset)
        let minutes = magnitude / 60 % 60
        return (offset < 0 ? "-" : "+") + String(magnitude / 3600) + (minutes == 0 ? "" : ":" + padded(minutes, 2))
    }

    // MARK: - Java's ISO formatters

    private static func isoFormat(_ date: ZonedDateTime, _ name: String) -> String {
        let local = date.local
        let offsetID = offsetText(date.offset, colon: true, zero: "Z")
        let day = padded(local.year, 4) + "-" + padded(local.month, 2) + "-" + padded(local.day, 2)
        var time = padded(local.hour, 2) + ":" + padded(local.minute, 2) + ":" + padded(local.second, 2)
        if local.nanosecond != 0 {
            var fraction = padded(local.nanosecond, 9)
            while fraction.hasSuffix("0") { fraction.removeLast() }
            time += "." + fraction
        }
        switch name {
        case "iso_local_date": return day
        case "iso_date", "iso_offset_date": return day + offsetID
        case "iso_local_time": return time
        case "iso_time", "iso_offset_time": return time + offsetID
        case "iso_local_date_time": return day + "T" + time
        case "iso_offset_date_time": return day + "T" + time + offsetID
        case "iso_ordinal_date": return padded(local.year, 4) + "-" + padded(local.dayOfYear, 3) + offsetID
        case "iso_week_date":
            let week = local.isoWeek
            return padded(week.year, 4) + "-W" + padded(week.week, 2) + "-" + String(local.dayOfWeek) + offsetID
        case "iso_instant":
            let utc = date.converted(to: .fixed(seconds: 0)).local
            var text =
                padded(utc.year, 4) + "-" + padded(utc.month, 2) + "-" + padded(utc.day, 2) + "T" + padded(utc.hour, 2)
                + ":" + padded(utc.minute, 2) + ":" + padded(utc.second, 2)
            if utc.nanosecond != 0 {
                var fraction = padded(utc.nanosecond, 9)
                while fraction.hasSuffix("000") { fraction.removeLast(3) }
                text += "." + fraction
            }
            return text + "Z"
        case "rfc_1123_date_time":
            let zone = date.offset == 0 ? "GMT" : offsetText(date.offset, colon: false, zero: "")
            return String(dayNames[local.dayOfWeek - 1].prefix(3)) + ", " + String(local.day) + " "
                + String(monthNames[local.month - 1].prefix(3)) + " " + padded(local.year, 4) + " "
                + padded(local.hour, 2) + ":" + padded(local.minute, 2) + ":" + padded(local.second, 2) + " " + zone
        default:
            let region = date.zone.regionIdentifier.map { "[\($0)]" } ?? ""
            return day + "T" + time + offsetID + region
        }
    }
}
