import Foundation

/// A cron schedule as Kestra's Schedule trigger reads it: five fields (minute, hour, day of month, month, day of
/// week), six with seconds first, or a nickname such as `@daily`.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The allowed values of each field, seconds first (`[0]` when the expression has no seconds).
    public var seconds: Set<Int>
    public var minutes: Set<Int>
    public var hours: Set<Int>
    public var daysOfMonth: Set<Int>
    public var months: Set<Int>
    /// 0 is Sunday (7 is read as 0).
    public var daysOfWeek: Set<Int>
    /// The text as written.
    public var description: String

    private static let nicknames = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses an expression.
    ///
    /// - Throws: ``CronError`` naming the field that does not read.
    public init(_ text: String, withSeconds: Bool = false) throws(CronError) {
        description = text
        let expanded = Self.nicknames[text.trimmingCharacters(in: .whitespaces).lowercased()] ?? text
        var fields = expanded.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let expected = withSeconds && !text.hasPrefix("@") ? 6 : 5
        guard fields.count == expected else {
            throw CronError(
                "a cron expression has \(expected) fields\(withSeconds ? " (seconds first)" : ""), not \(fields.count)"
            )
        }
        if expected == 5 { fields.insert("0", at: 0) }
        seconds = try Self.field(fields[0], name: "second", range: 0...59)
        minutes = try Self.field(fields[1], name: "minute", range: 0...59)
        hours = try Self.field(fields[2], name: "hour", range: 0...23)
        daysOfMonth = try Self.field(fields[3], name: "day of month", range: 1...31)
        months = try Self.field(fields[4], name: "month", range: 1...12, names: Self.monthNames, firstName: 1)
        daysOfWeek = Set(
            try Self.field(fields[5], name: "day of week", range: 0...7, names: Self.dayNames).map { $0 % 7 }
        )
    }

    private static func field(
        _ text: String,
        name: String,
        range: ClosedRange<Int>,
        names: [String] = [],
        firstName: Int = 0
    ) throws(CronError) -> Set<Int> {
        func number(_ part: Substring) throws(CronError) -> Int {
            if let value = Int(part) {
                guard range.contains(value) else {
                    throw CronError("\(name) \(value) is outside \(range.lowerBound)-\(range.upperBound)")
                }
                return value
            }
            if let index = names.firstIndex(of: part.uppercased()) { return index + firstName }
            throw CronError("'\(part)' is not a valid \(name)")
        }
        var values = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(stepParts.count), !stepParts[0].isEmpty else {
                throw CronError("'\(item)' is not a valid \(name)")
            }
            var step = 1
            if stepParts.count == 2 {
                guard let value = Int(stepParts[1]), value > 0 else {
                    throw CronError("the step of '\(item)' in the \(name) field must be a positive number")
                }
                step = value
            }
            let base = stepParts[0]
            var low = range.lowerBound
            var high = range.upperBound
            if base == "*" || base == "?" {
                // The whole range, stepped.
            } else if let dash = base.firstIndex(of: "-") {
                low = try number(base[..<dash])
                high = try number(base[base.index(after: dash)...])
                guard low <= high else { throw CronError("the \(name) range '\(base)' goes backwards") }
            } else {
                low = try number(base)
                if stepParts.count == 1 { high = low }
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values
    }
}

/// A cron expression that does not read.
public struct CronError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
