import FinOpsCore
import PivotKit

/// Where a budget stands on a day.
public struct BudgetStatus: Sendable, Hashable {
    /// The verdict.
    public enum State: String, Sendable, Hashable {
        /// No threshold crossed.
        case ok
        /// A threshold crossed, or the forecast past the amount.
        case warning
        /// The actual spend past the amount.
        case breached
    }

    /// A threshold that was crossed, with the numbers that crossed it.
    public struct Alert: Sendable, Hashable, CustomStringConvertible {
        /// The threshold (`forecast ≥ 100%`), or `amount` for the budget itself.
        public var threshold: String
        /// The value compared (actual or forecast).
        public var value: ExactDecimal
        /// The limit it passed, in the budget's currency.
        public var limit: ExactDecimal

        public var description: String { "\(threshold): \(value) ≥ \(limit)" }
    }

    /// The budget.
    public var budget: Budget
    /// The period's first day.
    public var start: CalendarDay
    /// The day after its last.
    public var end: CalendarDay
    /// The day spend is counted through.
    public var asOf: CalendarDay
    /// The spend from the start through the as-of day.
    public var actual: ExactDecimal
    /// The forecast of the period's total, with its interval.
    public var forecast: PeriodForecast
    /// The verdict.
    public var state: State
    /// What was crossed.
    public var alerts: [Alert]
}

/// The statuses of a file's budgets, and what is wrong with their hierarchy.
public struct BudgetReport: Sendable, Hashable {
    /// One per budget, in the file's order.
    public var statuses: [BudgetStatus]
    /// Parents whose children add up past them (in amount, or in actual spend: scopes that are not nested).
    public var hierarchyProblems: [String]

    /// One row per budget.
    public var table: ResultTable {
        var table = ResultTable(columns: [
            ("budget", .text), ("period", .text), ("as_of", .text), ("currency", .text), ("amount", .text),
            ("actual", .text), ("used_percent", .number), ("forecast", .text), ("forecast_lower", .text),
            ("forecast_upper", .text), ("status", .text), ("alerts", .text),
        ])
        for status in statuses {
            table.append([
                status.budget.name, "\(status.start)…\(status.end.advanced(by: -1))", status.asOf.description,
                status.budget.currency, status.budget.amount.description, status.actual.description,
                status.actual.percent(of: status.budget.amount, places: 1), status.forecast.forecast.description,
                status.forecast.lower.description, status.forecast.upper.description, status.state.rawValue,
                status.alerts.map(\.description).joined(separator: "; "),
            ])
        }
        return table
    }
}

extension Array where Element == Budget {
    /// Checks the budgets on `asOf` (by default the last day with cost), asking `answer` for one pivot per budget.
    ///
    /// - Parameters:
    ///   - cost: the cost column counted.
    ///   - interval: the coverage of the forecast's interval.
    ///   - rates: when given, cost billed in other currencies counts too, converted to each budget's currency at
    ///     the rate in force on its day (exact, 18 digits); without, only cost billed in the budget's currency.
    public func check(
        asOf: CalendarDay? = nil,
        cost: String = "EffectiveCost",
        interval: Double = 0.8,
        rates: CurrencyRates? = nil,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> BudgetReport {
        var day = asOf
        if day == nil {
            let days = try await answer(PivotQuery(rows: [.time("ChargePeriodStart", .day)], measures: [.count]))
            day = days.groups.compactMap { cell -> CalendarDay? in
                if case .time(let instant, _)? = cell.rowValues.first { CalendarDay(containing: instant) } else { nil }
            }
            .max()
        }
        guard let asOf = day else {
            throw AnalyticsError(.insufficientData, "there is no cost to check budgets against")
        }
        var statuses: [BudgetStatus] = []
        for budget in self {
            statuses.append(
                try await budget.status(asOf: asOf, cost: cost, interval: interval, rates: rates, answer: answer)
            )
        }
        return BudgetReport(statuses: statuses, hierarchyProblems: try hierarchyProblems(statuses))
    }

    private func hierarchyProblems(_ statuses: [BudgetStatus]) throws(AnalyticsError) -> [String] {
        var problems: [String] = []
        for parent in statuses {
            let children = statuses.filter { $0.budget.parent == parent.budget.name }
            guard !children.isEmpty else { continue }
            var amounts = ExactDecimal.zero
            var actuals = ExactDecimal.zero
            for child in children {
                amounts = try checkedSum(amounts, child.budget.amount, "the children of '\(parent.budget.name)'")
                actuals = try checkedSum(actuals, child.actual, "the children of '\(parent.budget.name)'")
            }
            let names = children.map(\.budget.name).joined(separator: ", ")
            if amounts > parent.budget.amount {
                problems.append(
                    "the budgets of \(names) add up to \(amounts), past their parent '\(parent.budget.name)' (\(parent.budget.amount))"
                )
            }
            if actuals > parent.actual {
                problems.append(
                    "the spend of \(names) adds up to \(actuals), past their parent '\(parent.budget.name)' (\(parent.actual)): their scopes are not inside the parent's"
                )
            }
        }
        return problems
    }
}

extension Budget {
    /// The history a forecast is fitted on: 20 weeks before the as-of day.
    static let historyDays = 140

    func status(
        asOf: CalendarDay,
        cost: String,
        interval: Double,
        rates: CurrencyRates?,
        answer: (PivotQuery) async throws -> PivotResult
    ) async throws -> BudgetStatus {
        let (start, end) = period.bounds(containing: asOf)
        let historyStart = Swift.min(start, asOf.advanced(by: -Self.historyDays))
        let countedThrough = Swift.min(asOf, end.advanced(by: -1))
        let days = FilterExpression.and(
            .compare(.column("ChargePeriodStart"), .greaterOrEqual, .text(historyStart.start.description)),
            .compare(.column("ChargePeriodStart"), .less, .text(countedThrough.advanced(by: 1).start.description))
        )
        var filter = rates == nil ? .and(.compare(.column("BillingCurrency"), .equal, .text(currency)), days) : days
        if let scope { filter = .and(scope, filter) }
        let result = try await answer(
            PivotQuery(
                rows: [.time("ChargePeriodStart", .day), .column("BillingCurrency")],
                measures: [.sum(cost)],
                filter: filter
            )
        )
        var perDay: [Int: ExactDecimal] = [:]
        for cell in result.groups {
            guard case .time(let instant, _)? = cell.rowValues.first, case .decimal(var value)? = cell.measures.first
            else { continue }
            let day = CalendarDay(containing: instant)
            let billed: String = if case .text(let code)? = cell.rowValues.last { code } else { "" }
            if let rates, billed != currency {
                guard let rate = rates.rate(from: billed, to: currency, on: day) else {
                    throw AnalyticsError(
                        .invalidParameter,
                        "budget '\(name)': no rate from \(billed) to \(currency) on or before \(day); add one to the rates"
                    )
                }
                value = try CurrencyRates.convert(value, at: rate.rate)
            }
            perDay[day.daysSinceEpoch] = try checkedSum(perDay[day.daysSinceEpoch] ?? .zero, value, "budget '\(name)'")
        }
        let first = perDay.keys.min().map { CalendarDay(daysSinceEpoch: $0) } ?? countedThrough
        let values = (first.daysSinceEpoch...Swift.max(first.daysSinceEpoch, countedThrough.daysSinceEpoch)).map {
            perDay[$0] ?? .zero
        }
        let series = TimeSeries(name: name, first: first, daily: values)
        let forecast: PeriodForecast
        if values.count >= 3 {
            forecast = try Forecaster.periodTotal(series, from: start, until: end, interval: interval)
        } else {
            var toDate = ExactDecimal.zero
            for (offset, value) in values.enumerated() where first.advanced(by: offset) >= start {
                toDate = try checkedSum(toDate, value, "budget '\(name)'")
            }
            forecast = PeriodForecast(settled: toDate, series: name, start: start, end: end)
        }
        let actual = forecast.actualToDate
        var alerts: [BudgetStatus.Alert] = []
        var state = BudgetStatus.State.ok
        if actual > amount {
            state = .breached
            alerts.append(.init(threshold: "actual ≥ amount", value: actual, limit: amount))
        }
        for threshold in thresholds {
            let limit: ExactDecimal
            switch threshold.limit {
            case .amount(let value): limit = value
            case .percent(let percent): limit = try percentOfAmount(percent)
            }
            let value = threshold.basis == .actual ? actual : forecast.forecast
            if value >= limit {
                alerts.append(.init(threshold: threshold.description, value: value, limit: limit))
                if state == .ok { state = .warning }
            }
        }
        if state == .ok, forecast.forecast > amount {
            state = .warning
            alerts.append(.init(threshold: "forecast ≥ amount", value: forecast.forecast, limit: amount))
        }
        return BudgetStatus(
            budget: self,
            start: start,
            end: end,
            asOf: asOf,
            actual: actual,
            forecast: forecast,
            state: state,
            alerts: alerts
        )
    }

    /// `percent`% of the amount, exact to 10⁻¹⁸ (truncated).
    private func percentOfAmount(_ percent: ExactDecimal) throws(AnalyticsError) -> ExactDecimal {
        let product = amount.units.magnitude.multipliedFullWidth(by: percent.units.magnitude)
        // ÷ 100 ÷ 10¹⁸ (the percent's own scale).
        let divisor = UInt128(100) * UInt128(ExactDecimal.unitsPerOne)
        guard product.high < divisor else {
            throw AnalyticsError(.overflow, "budget '\(name)': \(percent)% of \(amount) leaves the exact range")
        }
        let (quotient, _) = divisor.dividingFullWidth(product)
        guard quotient <= UInt128(Int128.max) else {
            throw AnalyticsError(.overflow, "budget '\(name)': \(percent)% of \(amount) leaves the exact range")
        }
        return ExactDecimal(units: Int128(quotient))
    }
}
