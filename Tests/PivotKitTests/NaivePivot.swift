import FinOpsCore
import Foundation
import PivotKit

/// An independent, row-by-row pivot for differential tests: no codes, no dictionaries, no shared helpers.
/// Returns, per grouping set, a map from member labels ("(total)" for a summed dimension) to measure texts.
enum NaivePivot {
    static func run(_ query: PivotQuery, on table: CostTable) -> [String: [String]] {
        let dimensions = query.rows + query.columns
        var rows: [Int] = []
        for row in 0..<table.rowCount where truth(query.filter, table, row) == true { rows.append(row) }
        var sets: [[Bool]] = []
        let r = query.rows.count
        let c = query.columns.count
        func set(_ rowLevel: Int, _ columnLevel: Int) -> [Bool] {
            (0..<r).map { $0 < rowLevel } + (0..<c).map { $0 < columnLevel }
        }
        switch query.totals {
        case .none: sets = [set(r, c)]
        case .grand: sets = [set(r, c), set(0, 0)] + (r > 0 && c > 0 ? [set(r, 0), set(0, c)] : [])
        case .all: sets = (0...r).flatMap { a in (0...c).map { b in set(a, b) } }
        }
        // Amounts of different currencies are never added: a total over BillingCurrency shows none.
        let currencyPosition = dimensions.firstIndex(of: .column("BillingCurrency"))
        let currencies = Set(rows.compactMap { table.strings("BillingCurrency")?[$0] })
        var result: [String: [String]] = [:]
        for kept in sets {
            let acrossCurrencies = currencies.count > 1 && currencyPosition.map { !kept[$0] } == true
            var groups: [[String]: [Int]] = [:]
            for row in rows {
                let key = dimensions.indices.map {
                    kept[$0] ? member(dimensions[$0], table, row, query.timeZone) : "(total)"
                }
                groups[key, default: []].append(row)
            }
            if groups.isEmpty && !kept.contains(true) { groups[dimensions.map { _ in "(total)" }] = [] }
            for (key, members) in groups {
                result[key.joined(separator: " | ")] = query.measures.map {
                    acrossCurrencies && isMoney($0) ? "" : measure(of: $0, table, members)
                }
            }
        }
        return result
    }

    /// A sum, extreme, average or percentile of an amount column (as FOCUS defines them, written out here).
    static func isMoney(_ measure: Measure) -> Bool {
        let amounts: Set<String> = [
            "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice",
        ]
        switch measure {
        case .sum(let name), .min(let name), .max(let name), .avg(let name), .percentile(let name, _):
            return amounts.contains(name)
        default:
            return false
        }
    }

    static func member(_ dimension: PivotDimension, _ table: CostTable, _ row: Int, _ zone: String) -> String {
        switch dimension {
        case .column(let name):
            return table.strings(name)?[row] ?? "(null)"
        case .tag(let key):
            guard let value = table.tags?[row]?[key], value != .null else { return "(untagged)" }
            return value.text
        case .time(let name, let bucket):
            guard let time = table.timestamps(name)?[row] else { return "(null)" }
            let seconds = Int(time.microsecondsSinceEpoch / 1_000_000)
            let offset = TimeZone(identifier: zone)!.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))
            let local = Timestamp(microsecondsSinceEpoch: Int64(seconds + offset) * 1_000_000).components
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            switch bucket {
            case .hour: return "\(local.year)-\(two(local.month))-\(two(local.day))T\(two(local.hour)):00"
            case .day: return "\(local.year)-\(two(local.month))-\(two(local.day))"
            case .month: return "\(local.year)-\(two(local.month))"
            case .quarter: return "\(local.year)-Q\((local.month - 1) / 3 + 1)"
            case .year: return "\(local.year)"
            case .week:
                let (year, week) = isoWeek(local.year, local.month, local.day)
                return "\(year)-W\(two(week))"
            }
        }
    }

    /// ISO 8601 week-numbering year and week, by the ordinal-day formula.
    static func isoWeek(_ year: Int, _ month: Int, _ day: Int) -> (Int, Int) {
        func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let ordinal = cumulative[month - 1] + day + (month > 2 && isLeap(year) ? 1 : 0)
        // Zeller-style weekday: 1 = Monday … 7 = Sunday.
        let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        let sundayBased = (y + y / 4 - y / 100 + y / 400 + t[month - 1] + day) % 7
        let weekday = sundayBased == 0 ? 7 : sundayBased
        let week = (ordinal - weekday + 10) / 7
        func weeks(_ y: Int) -> Int {
            let p = { (y: Int) in (y + y / 4 - y / 100 + y / 400) % 7 }
            return p(y) == 4 || p(y - 1) == 3 ? 53 : 52
        }
        if week < 1 { return (year - 1, weeks(year - 1)) }
        if week > weeks(year) { return (year + 1, 1) }
        return (year, week)
    }

    static func measure(of measure: Measure, _ table: CostTable, _ rows: [Int]) -> String {
        switch measure {
        case .count:
            return String(rows.count)
        case .approxCountDistinct:
            return "(approximate)"
        case .countDistinct(let name):
            var seen = Set<String>()
            for row in rows {
                if let text = table.strings(name)?[row] { seen.insert(text) }
                if let value = table.decimals(name)?[row] { seen.insert(value.description) }
            }
            return String(seen.count)
        case .ratio, .difference, .percentOfTotal, .percentOfParent, .percentOfColumn, .change, .percentChange:
            // Derived measures are checked in PivotDerivedMeasureTests, not by the random queries.
            return "(derived)"
        case .percentile(let name, let percent):
            // Independently of PivotKit: Foundation's Decimal, banker's rounding at 18 places.
            let values = rows.compactMap { table.decimals(name)?[$0] }.sorted().map { Decimal(string: $0.description)! }
            guard !values.isEmpty else { return "" }
            let position = Decimal(values.count - 1) * Decimal(percent) / 100
            var lowerPosition = Decimal()
            var exact = position
            NSDecimalRound(&lowerPosition, &exact, 0, .down)
            let lower = NSDecimalNumber(decimal: lowerPosition).intValue
            let fraction = position - lowerPosition
            var value = values[lower]
            if fraction != 0 && lower + 1 < values.count { value += (values[lower + 1] - values[lower]) * fraction }
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 18, .bankers)
            return ExactDecimal(
                NSDecimalNumber(decimal: rounded).description(withLocale: Locale(identifier: "en_US_POSIX"))
            )!
            .description
        case .sum(let name), .min(let name), .max(let name), .avg(let name):
            let values = rows.compactMap { table.decimals(name)?[$0] }
            switch measure {
            case .sum: return values.reduce(ExactDecimal.zero, +).description
            case .min: return values.min()?.description ?? ""
            case .max: return values.max()?.description ?? ""
            default:
                guard !values.isEmpty else { return "" }
                // Half to even at 18 digits, by long division on the units.
                let total = values.reduce(ExactDecimal.zero, +).units
                let n = Int128(values.count)
                var q = total / n
                let r = (total % n).magnitude * 2
                if r > n.magnitude || (r == n.magnitude && q % 2 != 0) { q += total < 0 ? -1 : 1 }
                return ExactDecimal(units: q).description
            }
        }
    }

    /// SQL three-valued logic: nil is unknown.
    static func truth(_ filter: FilterExpression?, _ table: CostTable, _ row: Int) -> Bool? {
        guard let filter else { return true }
        switch filter {
        case .and(let a, let b):
            let (x, y) = (truth(a, table, row), truth(b, table, row))
            if x == false || y == false { return false }
            return x == nil || y == nil ? nil : true
        case .or(let a, let b):
            let (x, y) = (truth(a, table, row), truth(b, table, row))
            if x == true || y == true { return true }
            return x == nil || y == nil ? nil : false
        case .not(let a):
            return truth(a, table, row).map { !$0 }
        case .isNull(let field):
            return value(field, table, row) == nil
        case .compare(let field, let comparison, let literal):
            guard let value = value(field, table, row) else { return nil }
            return compare(value, comparison, literal)
        case .isIn(let field, let literals):
            guard let value = value(field, table, row) else { return nil }
            return literals.contains { compare(value, .equal, $0) }
        case .between(let field, let low, let high):
            guard let value = value(field, table, row) else { return nil }
            return compare(value, .greaterOrEqual, low) && compare(value, .lessOrEqual, high)
        case .matches(let field, let pattern):
            guard case .text(let text)? = value(field, table, row) else { return nil }
            return text.range(of: pattern, options: .regularExpression) != nil
        case .like(let field, let pattern):
            guard case .text(let text)? = value(field, table, row) else { return nil }
            let regex =
                "^"
                + NSRegularExpression.escapedPattern(for: pattern)
                .replacingOccurrences(of: "%", with: ".*").replacingOccurrences(of: "_", with: ".") + "$"
            return text.range(of: regex, options: .regularExpression) != nil
        }
    }

    enum Value {
        case text(String)
        case number(ExactDecimal)
        case time(Timestamp)
    }

    static func value(_ field: FilterExpression.Field, _ table: CostTable, _ row: Int) -> Value? {
        switch field {
        case .measure:
            return nil
        case .tag(let key):
            guard let value = table.tags?[row]?[key], value != .null else { return nil }
            return .text(value.text)
        case .column(let name):
            if let strings = table.strings(name) { return strings[row].map { .text($0) } }
            if let decimals = table.decimals(name) { return decimals[row].map { .number($0) } }
            if let times = table.timestamps(name) { return times[row].map { .time($0) } }
            return nil
        }
    }

    static func compare(
        _ value: Value,
        _ comparison: FilterExpression.Comparison,
        _ literal: FilterExpression.Literal
    ) -> Bool {
        let order: Int
        switch (value, literal) {
        case (.text(let a), .text(let b)): order = a == b ? 0 : (a < b ? -1 : 1)
        case (.number(let a), .number(let b)): order = a == b ? 0 : (a < b ? -1 : 1)
        case (.time(let a), .text(let b)):
            guard let t = Timestamp(b) else { return false }
            order = a == t ? 0 : (a < t ? -1 : 1)
        default: return false
        }
        switch comparison {
        case .equal: return order == 0
        case .notEqual: return order != 0
        case .less: return order < 0
        case .lessOrEqual: return order <= 0
        case .greater: return order > 0
        case .greaterOrEqual: return order >= 0
        }
    }
}
