import FinOpsCore
import Foundation
import PivotKit
import Yams

/// A spending limit for a scope of cost over a period, with the thresholds that raise alerts.
///
/// ```yaml
/// budgets:
///   - name: engineering
///     scope: "tag(department) = 'engineering'"   # a filter; all cost when left out
///     period: month                               # month, quarter, year, or {from: 2024-01-01, to: 2024-06-30}
///     amount: 12000
///     currency: USD
///     thresholds:
///       - {actual: 80%}                           # actual spend passes 80% of the amount
///       - {forecast: 100%}                        # the period-end forecast passes the amount
///       - {actual: 5000}                          # an absolute amount
///   - name: web
///     parent: engineering                         # children must not add up past their parent
///     scope: "tag(team) = 'web'"
///     amount: 5000
/// ```
public struct Budget: Sendable, Hashable {
    /// The period a budget covers.
    public enum Period: Sendable, Hashable, CustomStringConvertible {
        /// The calendar month of the as-of date.
        case month
        /// Its calendar quarter.
        case quarter
        /// Its calendar year.
        case year
        /// Fixed days, both included.
        case range(from: CalendarDay, through: CalendarDay)

        /// The first day and the day after the last of the period holding `day`.
        public func bounds(containing day: CalendarDay) -> (start: CalendarDay, end: CalendarDay) {
            let c = day.components
            switch self {
            case .month:
                return (day.firstOfMonth, day.firstOfNextMonth)
            case .quarter:
                let firstMonth = (c.month - 1) / 3 * 3 + 1
                let start = CalendarDay(year: c.year, month: firstMonth, day: 1) ?? day
                var end = start
                for _ in 0..<3 { end = end.firstOfNextMonth }
                return (start, end)
            case .year:
                let start = CalendarDay(year: c.year, month: 1, day: 1) ?? day
                return (start, CalendarDay(year: c.year + 1, month: 1, day: 1) ?? start.advanced(by: 365))
            case .range(let from, let through):
                return (from, through.advanced(by: 1))
            }
        }

        public var description: String {
            switch self {
            case .month: "month"
            case .quarter: "quarter"
            case .year: "year"
            case .range(let from, let through): "\(from)…\(through)"
            }
        }
    }

    /// When an alert is raised.
    public struct Threshold: Sendable, Hashable, CustomStringConvertible {
        /// What is compared.
        public enum Basis: String, Sendable, Hashable {
            /// The actual spend to date.
            case actual
            /// The forecast of the period's total.
            case forecast
        }

        /// What the limit is.
        public enum Limit: Sendable, Hashable {
            /// A percentage of the budget's amount.
            case percent(ExactDecimal)
            /// An amount in the budget's currency.
            case amount(ExactDecimal)
        }

        /// What is compared.
        public var basis: Basis
        /// With what.
        public var limit: Limit

        /// Creates a threshold.
        public init(_ basis: Basis, _ limit: Limit) {
            self.basis = basis
            self.limit = limit
        }

        public var description: String {
            switch limit {
            case .percent(let percent): "\(basis.rawValue) ≥ \(percent)%"
            case .amount(let amount): "\(basis.rawValue) ≥ \(amount)"
            }
        }
    }

    /// The budget's name, unique in its file.
    public var name: String
    /// Which cost counts; all when `nil`.
    public var scope: FilterExpression?
    /// The period.
    public var period: Period
    /// The limit.
    public var amount: ExactDecimal
    /// Its currency: only cost billed in it counts.
    public var currency: String
    /// When alerts are raised; breaching the amount itself always is.
    public var thresholds: [Threshold]
    /// The budget this one is a part of.
    public var parent: String?

    /// Creates a budget.
    public init(
        name: String,
        scope: FilterExpression? = nil,
        period: Period = .month,
        amount: ExactDecimal,
        currency: String = "USD",
        thresholds: [Threshold] = [],
        parent: String? = nil
    ) {
        self.name = name
        self.scope = scope
        self.period = period
        self.amount = amount
        self.currency = currency
        self.thresholds = thresholds
        self.parent = parent
    }

    /// Reads a budgets file (see ``Budget``).
    ///
    /// - Throws: ``AnalyticsError`` at the file, line and column of the first problem, including a parent that is
    ///   not defined, a cycle of parents, and a parent of another period or currency.
    public static func load(contentsOf path: String) throws(AnalyticsError) -> [Budget] {
        try load(file: try YAMLFile(contentsOf: path))
    }

    /// Reads budgets from YAML text that came from `path`.
    public static func load(yaml: String, path: String) throws(AnalyticsError) -> [Budget] {
        try load(file: try YAMLFile(text: yaml, path: path))
    }

    private static func load(file: YAMLFile) throws(AnalyticsError) -> [Budget] {
        let pairs = try file.mapping(file.root, "the budgets file", allowed: ["currency", "budgets"])
        let defaultCurrency = try file.value("currency", in: pairs).map { (node: Node) throws(AnalyticsError) in
            try file.string(node, "currency")
        }
        let list = try file.required("budgets", in: pairs, of: file.root, "the budgets file")
        var budgets: [Budget] = []
        var nodes: [String: Node] = [:]
        for item in try file.list(list, "budgets") {
            let budget = try read(item, in: file, currency: defaultCurrency ?? "USD")
            guard nodes[budget.name] == nil else { throw file.error(item, "a second budget named '\(budget.name)'") }
            nodes[budget.name] = item
            budgets.append(budget)
        }
        if budgets.isEmpty { throw file.error(list, "budgets is empty: give at least one budget") }
        let byName = Dictionary(uniqueKeysWithValues: budgets.map { ($0.name, $0) })
        for budget in budgets {
            guard let parentName = budget.parent, let node = nodes[budget.name] else { continue }
            guard let parent = byName[parentName] else {
                throw file.error(node, "budget '\(budget.name)': its parent '\(parentName)' is not defined")
            }
            guard parent.currency == budget.currency, parent.period == budget.period else {
                throw file.error(
                    node,
                    "budget '\(budget.name)': its parent '\(parentName)' has another period or currency"
                )
            }
            var seen: Set<String> = [budget.name]
            var next = parent.parent
            while let name = next {
                guard seen.insert(name).inserted else {
                    throw file.error(node, "budget '\(budget.name)': its parents form a cycle")
                }
                next = byName[name]?.parent
            }
        }
        return budgets
    }

    private static func read(_ node: Node, in file: YAMLFile, currency: String) throws(AnalyticsError) -> Budget {
        let keys: Set<String> = ["name", "scope", "period", "amount", "currency", "thresholds", "parent"]
        let pairs = try file.mapping(node, "a budget", allowed: keys)
        let name = try file.string(try file.required("name", in: pairs, of: node, "a budget"), "name")
        var budget = Budget(
            name: name,
            amount: try file.decimal(try file.required("amount", in: pairs, of: node, "budget '\(name)'"), "amount"),
            currency: currency
        )
        if budget.amount.isNegative || budget.amount.isZero {
            throw file.error(file.value("amount", in: pairs) ?? node, "budget '\(name)': the amount must be above 0")
        }
        if let scopeNode = file.value("scope", in: pairs) {
            let text = try file.string(scopeNode, "scope")
            do {
                budget.scope = try PivotSyntax.filter(text)
            } catch {
                throw file.error(scopeNode, "budget '\(name)': scope: \(error.message) (at character \(error.column))")
            }
        }
        if let currencyNode = file.value("currency", in: pairs) {
            budget.currency = try file.string(currencyNode, "currency")
        }
        if let parentNode = file.value("parent", in: pairs) { budget.parent = try file.string(parentNode, "parent") }
        if let periodNode = file.value("period", in: pairs) {
            if case .mapping = periodNode {
                let range = try file.mapping(periodNode, "period", allowed: ["from", "to"])
                let from = try file.date(try file.required("from", in: range, of: periodNode, "period"), "from")
                let to = try file.date(try file.required("to", in: range, of: periodNode, "period"), "to")
                guard from <= to else {
                    throw file.error(periodNode, "budget '\(name)': the period ends before it starts")
                }
                budget.period = .range(from: CalendarDay(containing: from), through: CalendarDay(containing: to))
            } else {
                switch try file.string(periodNode, "period") {
                case "month": budget.period = .month
                case "quarter": budget.period = .quarter
                case "year": budget.period = .year
                case let other:
                    throw file.error(
                        periodNode,
                        "budget '\(name)': period must be month, quarter, year or {from:, to:}, got '\(other)'"
                    )
                }
            }
        }
        if let thresholdsNode = file.value("thresholds", in: pairs) {
            for item in try file.list(thresholdsNode, "thresholds") {
                let entry = try file.mapping(item, "a threshold", allowed: ["actual", "forecast"])
                guard entry.count == 1, let (key, value) = entry.first else {
                    throw file.error(item, "a threshold has one key: actual or forecast")
                }
                let text = try file.string(value, key)
                let isPercent = text.hasSuffix("%")
                guard let number = ExactDecimal(isPercent ? String(text.dropLast()) : text), !number.isNegative else {
                    throw file.error(
                        value,
                        "budget '\(name)': a threshold is a percent (80%) or an amount (5000), got '\(text)'"
                    )
                }
                budget.thresholds.append(
                    Threshold(key == "actual" ? .actual : .forecast, isPercent ? .percent(number) : .amount(number))
                )
            }
        }
        return budget
    }
}
