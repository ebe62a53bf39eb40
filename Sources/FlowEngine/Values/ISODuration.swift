/// ISO-8601 durations as Kestra writes them (`PT30S`, `PT1H30M`, `P1DT2H`, `PT0.5S`): days of 24 hours, hours,
/// minutes and seconds with a fraction; no years or months, whose length varies.
public enum ISODuration {
    /// The duration, or `nil` when the text is not of that form.
    public static func parse(_ text: String) -> Duration? {
        var scalars = Substring(text.uppercased())
        var negative = false
        if scalars.first == "-" {
            negative = true
            scalars = scalars.dropFirst()
        } else if scalars.first == "+" {
            scalars = scalars.dropFirst()
        }
        guard scalars.first == "P" else { return nil }
        scalars = scalars.dropFirst()
        var attoseconds: Int128 = 0
        var inTime = false
        var number = ""
        var sawComponent = false
        let second: Int128 = 1_000_000_000_000_000_000
        for character in scalars {
            switch character {
            case "T":
                guard !inTime, number.isEmpty else { return nil }
                inTime = true
            case "0"..."9", ".", "-":
                number.append(character)
            case "D", "H", "M", "S":
                guard !number.isEmpty else { return nil }
                if character == "D" && inTime || character != "D" && !inTime { return nil }
                let unit: Int128 =
                    switch character {
                    case "D": 86_400 * second
                    case "H": 3_600 * second
                    case "M": 60 * second
                    default: second
                    }
                guard let amount = fixedPoint(number, scale: unit, allowFraction: character == "S") else { return nil }
                let (sum, overflow) = attoseconds.addingReportingOverflow(amount)
                guard !overflow else { return nil }
                attoseconds = sum
                number = ""
                sawComponent = true
            default:
                return nil
            }
        }
        guard number.isEmpty, sawComponent else { return nil }
        if negative { attoseconds = -attoseconds }
        let (seconds, remainder) = attoseconds.quotientAndRemainder(dividingBy: second)
        // Beyond what a Duration holds (about 292 billion years) the text is not a usable duration.
        guard let wholeSeconds = Int64(exactly: seconds) else { return nil }
        return Duration(secondsComponent: wholeSeconds, attosecondsComponent: Int64(remainder))
    }

    private static func fixedPoint(_ text: String, scale: Int128, allowFraction: Bool) -> Int128? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int128(parts[0].isEmpty ? "0" : String(parts[0])) else { return nil }
        var (value, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        if parts.count == 2 {
            guard allowFraction, !parts[1].isEmpty, parts[1].count <= 9, let fraction = Int128(String(parts[1])),
                fraction >= 0
            else {
                return nil
            }
            var divisor: Int128 = 1
            for _ in 0..<parts[1].count { divisor *= 10 }
            // At most 9 fraction digits of seconds: the product stays far inside Int128.
            let part = (whole < 0 || parts[0].hasPrefix("-") ? -1 : 1) * fraction * scale / divisor
            (value, overflow) = value.addingReportingOverflow(part)
            guard !overflow else { return nil }
        }
        return value
    }

    /// The ISO-8601 text of a duration (`PT1M30S`, `PT0.25S`, `PT0S`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        guard seconds != 0 || attoseconds != 0 else { return "PT0S" }
        var out = seconds < 0 || attoseconds < 0 ? "-PT" : "PT"
        let total = seconds.magnitude
        let hours = total / 3600
        let minutes = total % 3600 / 60
        let rest = total % 60
        if hours > 0 { out += "\(hours)H" }
        if minutes > 0 { out += "\(minutes)M" }
        let fraction = attoseconds.magnitude / 1_000_000_000
        if rest > 0 || fraction > 0 {
            out += "\(rest)"
            if fraction > 0 {
                var digits = String(fraction)
                digits = String(repeating: "0", count: 9 - digits.count) + digits
                while digits.hasSuffix("0") { digits.removeLast() }
                out += "." + digits
            }
            out += "S"
        }
        return out
    }
}
