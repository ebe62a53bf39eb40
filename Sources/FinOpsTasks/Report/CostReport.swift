import FinOpsAnalytics
import FinOpsCore
import PivotKit

/// The cost review of one month in one billing currency: headline numbers, daily cost with its forecast and
/// anomalies, where the money went, what moved, tag coverage, commitments, budgets, the showback and any pivots
/// asked for; ``html()`` renders it as one self-contained page.
///
/// ```swift
/// var options = CostReport.Options()
/// options.budgets = try Budget.load(contentsOf: "budgets.yml")
/// let report = try await CostReport.build(options: options, store: store)
/// try report.html().write(toFile: "review.html", atomically: true, encoding: .utf8)
/// ```
///
/// Every amount is exact; the charts place them on the page (the only place amounts become floating point).
public struct CostReport: Sendable {
    /// What the report covers and which sections it has.
    public struct Options: Sendable {
        /// The page's title.
        public var title = "Cost review"
        /// The cost column reported.
        public var cost = "EffectiveCost"
        /// The billing currency; by default the one with the most cost.
        public var currency: String?
        /// The month reviewed (`2024-04`); by default the data's last.
        public var month: String?
        /// Only rows that pass this filter.
        public var filter: FilterExpression?
        /// Budgets to check (the budget section is left out without them).
        public var budgets: [Budget] = []
        /// Allocation rules for the showback (left out without them).
        public var rules: AllocationRules?
        /// Tag keys whose coverage is shown.
        public var tagKeys: [String] = []
        /// More pivot tables, each with its title.
        public var pivots: [TitledPivot] = []
        /// How many services, accounts and movers are listed.
        public var top = 10
        /// How many days the daily chart shows.
        public var days = 91
        /// The text of the "generated" line (the caller's clock, so that tests give the same page each time).
        public var generated: String?
        /// HTML put above the report as it is, for a host that shows the page inside its own (the server's
        /// navigation); the caller escapes what it writes there.
        public var pageHeader: String?

        /// The defaults: every section the data allows, effective cost, the data's last month.
        public init() {}
    }

    /// A pivot table shown in the report.
    public struct TitledPivot: Sendable {
        /// The table's caption.
        public var title: String
        /// The query (the report's currency and filter are added to it).
        public var query: PivotQuery

        /// Creates one.
        public init(title: String, query: PivotQuery) {
            self.title = title
            self.query = query
        }
    }

    /// A member and its cost.
    public struct Share: Sendable, Hashable {
        /// The member's label.
        public var label: String
        /// Its cost.
        public var amount: ExactDecimal
    }

    /// A member whose cost changed from the previous month.
    public struct Mover: Sendable, Hashable {
        /// The member's label.
        public var label: String
        /// Its cost the month before.
        public var previous: ExactDecimal
        /// Its cost this month.
        public var current: ExactDecimal
        /// current − previous.
        public var change: ExactDecimal
    }

    /// The options the report was built with.
    public var options: Options
    /// The billing currency of every amount.
    public var currency: String
    /// The month reviewed.
    public var month: String
    /// Cost in other billing currencies, not included.
    public var otherCurrencies: [Share]
    /// The month's cost so far.
    public var monthTotal: ExactDecimal
    /// The same days of the month before (the whole month when the month reviewed is complete) and their cost,
    /// when the data has them: what ``monthTotal`` and the movers are compared with.
    public var previousMonth: Share?
    /// The whole month before and its cost, when the data has it.
    public var previousMonthTotal: Share?
    /// The month's total forecast to its end, when the data ends inside the month.
    public var monthEnd: PeriodForecast?
    /// Daily cost over the chart's days.
    public var daily: TimeSeries
    /// The forecast of the days left in the month, when the data ends inside it.
    public var forecast: SeriesForecast?
    /// Anomalies of the daily total on the chart's days.
    public var anomalies: [Anomaly]
    /// Anomalies of single services in the month, largest impact first.
    public var serviceAnomalies: [CostAnomaly]
    /// Cost by service in the month, largest first (the rest as Others).
    public var byService: [Share]
    /// Cost by account in the month, largest first.
    public var byAccount: [Share]
    /// Cost by provider in the month, largest first.
    public var byProvider: [Share]
    /// Services whose cost moved most since the month before.
    public var movers: [Mover]
    /// Tag coverage of the month, per key (all accounts).
    public var coverage: [TagCoverage.Line]
    /// The largest untagged members.
    public var untagged: [TagCoverage.Untagged]
    /// Commitments billed in the currency.
    public var commitments: [CommitmentReport.Commitment]
    /// Budget statuses, when budgets were given.
    public var budgets: BudgetReport?
    /// The month's showback lines, when rules were given.
    public var allocation: [AllocationResult.Line]
    /// The extra pivots' results.
    public var pivots: [(title: String, result: PivotResult)]
}

extension CostReport {
    /// Builds the report from a store (pivots pushed down where the store can).
    public static func build(options: Options = Options(), store: any CostStore) async throws -> CostReport {
        try await build(options: options) { query in try await store.pivot(query) }
    }

    /// Builds the report, asking `answer` for the pivots it needs.
    ///
    /// - Throws: ``AnalyticsError`` when there is no cost to report or the month asked for has none; the errors of
    ///   the analyses and pivots.
    public static func build(
        options: Options = Options(),
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> CostReport {
        guard options.top > 0, options.days >= 7 else {
            throw AnalyticsError(.invalidParameter, "a report lists at least 1 member and charts at least 7 days")
        }
        let cost = Measure.sum(options.cost)
        let currencies = try await answer(
            PivotQuery(rows: [.column("BillingCurrency")], measures: [cost], filter: options.filter)
        )
        let amounts = currencies.groups.compactMap { cell -> Share? in
            guard case .text(let code)? = cell.rowValues.first, case .decimal(let amount)? = cell.measures.first
            else { return nil }
            return Share(label: code, amount: amount)
        }
        guard
            let currency = options.currency
                ?? amounts.max(by: { ($0.amount, $1.label) < ($1.amount, $0.label) })?.label
        else { throw AnalyticsError(.insufficientData, "there is no cost to report") }
        let scope = Self.and(.compare(.column("BillingCurrency"), .equal, .text(currency)), options.filter)

        let query = CostSeriesQuery(by: [], measure: cost, filter: scope)
        guard let whole = query.series(from: try await answer(query.pivot)).first else {
            throw AnalyticsError(.insufficientData, "there is no cost in \(currency) to report")
        }
        let first = CalendarDay(containing: whole.start)
        let last = first.advanced(by: whole.values.count - 1)
        let month = try options.month.map(Self.month(of:)) ?? last.firstOfMonth
        guard month <= last, month.firstOfNextMonth > first else {
            throw AnalyticsError(
                .insufficientData,
                "there is no \(currency) cost in \(Self.label(month)); the data runs from \(first) to \(last)"
            )
        }
        let end = Swift.min(last, month.firstOfNextMonth.advanced(by: -1))
        let upToEnd = Self.prefix(whole, through: end)
        let shown = Self.suffix(upToEnd, days: options.days)

        var report = CostReport(
            options: options,
            currency: currency,
            month: Self.label(month),
            otherCurrencies: amounts.filter { $0.label != currency }.sorted { $0.amount > $1.amount },
            monthTotal: try Self.sum(upToEnd, from: month),
            previousMonth: nil,
            previousMonthTotal: nil,
            monthEnd: nil,
            daily: shown,
            forecast: nil,
            anomalies: [],
            serviceAnomalies: [],
            byService: [],
            byAccount: [],
            byProvider: [],
            movers: [],
            coverage: [],
            untagged: [],
            commitments: [],
            budgets: nil,
            allocation: [],
            pivots: []
        )
        let previous = Self.sameDays(before: month, through: end)
        if previous.lowerBound >= first.firstOfMonth {
            let before = month.advanced(by: -1)
            report.previousMonth = Share(
                label: "\(previous.lowerBound)–\(previous.upperBound.advanced(by: -1))",
                amount: try Self.sum(
                    Self.prefix(whole, through: previous.upperBound.advanced(by: -1)),
                    from: previous.lowerBound
                )
            )
            report.previousMonthTotal = Share(
                label: Self.label(before.firstOfMonth),
                amount: try Self.sum(Self.prefix(whole, through: before), from: before.firstOfMonth)
            )
        }
        if end == last, last < month.firstOfNextMonth.advanced(by: -1), upToEnd.values.count >= 14 {
            report.monthEnd = try Forecaster.periodTotal(upToEnd, from: month, until: month.firstOfNextMonth)
            report.forecast = try Forecaster.forecast(
                upToEnd,
                options: ForecastOptions(horizon: Forecaster.daysToMonthEnd(of: upToEnd), fitWindow: 140)
            )
        }
        let shownFrom = upToEnd.values.count - shown.values.count
        report.anomalies = try AnomalyDetector.detect(upToEnd, options: AnomalyOptions(minimumImpact: ExactDecimal(1)))
            .filter { $0.index >= shownFrom }
            .map { anomaly in
                var moved = anomaly
                moved.index -= shownFrom
                return moved
            }
        let monthScope = Self.and(scope, Self.within(month))
        report.serviceAnomalies = try await Self.serviceAnomalies(
            scope: scope,
            cost: cost,
            month: month,
            end: end,
            top: options.top,
            answer: answer
        )
        report.byService = try await Self.shares(of: "ServiceName", cost: cost, in: monthScope, options, answer)
        report.byAccount = try await Self.shares(of: "SubAccountId", cost: cost, in: monthScope, options, answer)
        report.byProvider = try await Self.shares(of: "ProviderName", cost: cost, in: monthScope, options, answer)
        report.movers = try await Self.movers(
            scope: scope,
            cost: cost,
            month: month..<end.advanced(by: 1),
            before: previous,
            top: options.top,
            answer: answer
        )
        if !options.tagKeys.isEmpty {
            let coverage = try await TagCoverage.measure(
                keys: options.tagKeys,
                cost: options.cost,
                filter: monthScope,
                top: 5,
                answer: answer
            )
            report.coverage = coverage.lines.filter { $0.account == nil && $0.month == report.month }
            report.untagged = coverage.untagged
        }
        report.commitments = try await CommitmentReport.measure(filter: scope, answer: answer).commitments
            .filter { $0.currency == currency }
            .sorted { ($0.committedCost, $1.id) > ($1.committedCost, $0.id) }
        if !options.budgets.isEmpty {
            report.budgets = try await options.budgets.check(asOf: end, cost: options.cost, answer: answer)
        }
        if let rules = options.rules {
            let result = try rules.allocate(try await answer(rules.sourceQuery(filter: options.filter)))
            report.allocation = result.lines.filter { $0.currency == currency && $0.period.hasPrefix(report.month) }
                .sorted { ($0.amount, $1.target) > ($1.amount, $0.target) }
        }
        for pivot in options.pivots {
            var query = pivot.query
            query.filter = Self.and(scope, query.filter)
            report.pivots.append((pivot.title, try await answer(query)))
        }
        return report
    }

    /// The first day of a month written `YYYY-MM`.
    static func month(of text: String) throws(AnalyticsError) -> CalendarDay {
        guard let day = CalendarDay(text + "-01") else {
            throw AnalyticsError(.invalidParameter, "a report month is written YYYY-MM, not '\(text)'")
        }
        return day
    }

    static func label(_ month: CalendarDay) -> String { String(month.description.prefix(7)) }

    /// The days of the month before `month` that match `month`'s first days through `end` (the whole month before
    /// when `end` is a month's last day), as a half-open range.
    static func sameDays(before month: CalendarDay, through end: CalendarDay) -> Range<CalendarDay> {
        let start = month.advanced(by: -1).firstOfMonth
        guard end < month.firstOfNextMonth.advanced(by: -1) else { return start..<month }
        return start..<Swift.min(month, start.advanced(by: month.distance(to: end) + 1))
    }

    static func and(_ condition: FilterExpression, _ other: FilterExpression?) -> FilterExpression {
        other.map { .and(condition, $0) } ?? condition
    }

    /// The rows charged within a month.
    static func within(_ month: CalendarDay) -> FilterExpression {
        .and(
            .compare(.column("ChargePeriodStart"), .greaterOrEqual, .text(month.description)),
            .compare(.column("ChargePeriodStart"), .less, .text(month.firstOfNextMonth.description))
        )
    }

    static func prefix(_ series: TimeSeries, through day: CalendarDay) -> TimeSeries {
        var cut = series
        let count = CalendarDay(containing: series.start).distance(to: day) + 1
        cut.values = Array(series.values.prefix(Swift.max(0, count)))
        return cut
    }

    static func suffix(_ series: TimeSeries, days: Int) -> TimeSeries {
        guard series.values.count > days else { return series }
        let dropped = series.values.count - days
        return TimeSeries(
            name: series.name,
            first: CalendarDay(containing: series.start).advanced(by: dropped),
            daily: Array(series.values.suffix(days))
        )
    }

    static func sum(_ series: TimeSeries, from day: CalendarDay) throws(AnalyticsError) -> ExactDecimal {
        let skip = Swift.max(0, CalendarDay(containing: series.start).distance(to: day))
        var total = ExactDecimal.zero
        for value in series.values.dropFirst(skip) {
            do {
                total = try total.adding(value)
            } catch {
                throw AnalyticsError(.overflow, "the month's total leaves the exact decimal range")
            }
        }
        return total
    }
}
