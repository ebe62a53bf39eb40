import FinOpsAnalytics
import FinOpsCore
import Foundation
import Mustache
import PivotKit

extension CostReport {
    /// The report as one self-contained HTML page: inline CSS and SVG, no scripts, fonts, images or links to fetch.
    public func html() -> String {
        ReportPage.template.render(context)
    }

    /// The values the page's template shows.
    var context: [String: Any] {
        var page: [String: Any] = [
            "title": options.title,
            "currency": currency,
            "month": month,
            "generated": options.generated ?? "",
            "pageHeader": options.pageHeader ?? "",
            "headline": headline,
            "dailyChart": DailyCostChart(daily: daily, forecast: forecast, anomalies: anomalies, currency: currency)
                .svg(id: "daily-cost"),
            "serviceChart": shareChart(byService, id: "by-service", what: "service"),
            "accountChart": shareChart(byAccount, id: "by-account", what: "account"),
        ]
        if !movers.isEmpty {
            page["moversChart"] = moversChart
            page["movers"] = movers.map { mover in
                [
                    "label": mover.label, "previous": Money.text(mover.previous), "current": Money.text(mover.current),
                    "change": Money.signed(mover.change),
                ]
            }
        }
        if !serviceAnomalies.isEmpty {
            page["hasAnomalies"] = true
            page["anomalies"] = serviceAnomalies.map { found in
                [
                    "day": found.anomaly.timestamp,
                    "series": Self.member(of: found.anomaly.series),
                    "kind": found.anomaly.kind.rawValue,
                    "actual": Money.text(found.anomaly.actual),
                    "expected": Money.text(found.anomaly.expected),
                    "impact": Money.signed(found.anomaly.impact),
                    "contributors": found.contributors.prefix(2).map { "\($0.value) (\(Money.signed($0.impact)))" }
                        .joined(separator: "; "),
                ]
            }
        }
        if let budgets {
            page["budgets"] = budgets.statuses.map { status in
                [
                    "name": status.budget.name,
                    "period": "\(status.start) – \(status.end.advanced(by: -1))",
                    "amount": Money.text(status.budget.amount),
                    "actual": Money.text(status.actual),
                    "forecast": Money.text(status.forecast.forecast),
                    "state": status.state.rawValue,
                    "alerts": status.alerts.map(\.description).joined(separator: "; "),
                ]
            }
            page["budgetChart"] = budgetChart(budgets)
        }
        if !coverage.isEmpty {
            page["coverageChart"] = coverageChart
            page["hasUntagged"] = !untagged.isEmpty
            page["untagged"] = untagged.prefix(options.top).map { member in
                [
                    "key": member.key, "dimension": member.dimension, "value": member.value,
                    "cost": Money.text(member.cost),
                ]
            }
        }
        if !commitments.isEmpty {
            page["commitmentChart"] = commitmentChart
            page["commitments"] = commitments.prefix(options.top).map { commitment in
                [
                    "id": commitment.id,
                    "used": Money.text(commitment.usedCost),
                    "unused": Money.text(commitment.unusedCost),
                    "utilization": commitment.utilizationPercent.map { "\($0)%" } ?? "–",
                    "savings": commitment.savingsVersusList.map(Money.signed) ?? "–",
                ]
            }
        }
        if !allocation.isEmpty {
            page["hasAllocation"] = true
            page["allocation"] = allocation.map { line in
                [
                    "target": line.target, "direct": Money.text(line.direct), "allocated": Money.text(line.allocated),
                    "amount": Money.text(line.amount),
                ]
            }
        }
        if !pivots.isEmpty {
            page["pivots"] = pivots.map { pivot in
                let grid = pivot.result.crosstab()
                return [
                    "title": pivot.title,
                    "header": grid.header.enumerated().map {
                        ["text": $0.element, "numeric": $0.offset >= grid.labelColumns]
                    },
                    "rows": grid.rows.map { row in
                        [
                            "total": row.isTotal,
                            "cells": row.cells.enumerated().map { index, cell in
                                ["text": cell, "numeric": index >= grid.labelColumns, "header": index == 0]
                            },
                        ] as [String: Any]
                    },
                ] as [String: Any]
            }
        }
        if !otherCurrencies.isEmpty {
            page["otherCurrencies"] = otherCurrencies.map { "\($0.label) \(Money.text($0.amount))" }
                .joined(separator: ", ")
        }
        return page
    }

    /// A service series' member: `Amazon S3` of `ServiceName=Amazon S3, BillingCurrency=USD`.
    static func member(of series: String) -> String {
        guard let equals = series.firstIndex(of: "=") else { return series }
        let rest = series[series.index(after: equals)...]
        return String(rest.components(separatedBy: ", BillingCurrency=").first ?? String(rest))
    }

    private var headline: [[String: Any]] {
        var cards: [[String: Any]] = []
        var total: [String: Any] = ["label": "Cost in \(month)", "value": Money.text(monthTotal)]
        if let previous = previousMonth {
            let change = (try? monthTotal.subtracting(previous.amount)) ?? .zero
            let percent = change.percent(of: previous.amount).map { " (\($0.hasPrefix("-") ? "" : "+")\($0)%)" } ?? ""
            total["note"] =
                "\(Money.signed(change))\(percent) against the same days before (\(previous.label): "
                + "\(Money.text(previous.amount)))"
        }
        cards.append(total)
        if let monthEnd {
            cards.append([
                "label": "Forecast for the whole month",
                "value": Money.text(monthEnd.forecast),
                "note":
                    "\(Int(((forecast?.interval ?? 0.8) * 100).rounded()))% interval \(Money.text(monthEnd.lower)) – "
                    + "\(Money.text(monthEnd.upper))",
            ])
        }
        if let budgets, !budgets.statuses.isEmpty {
            let breached = budgets.statuses.filter { $0.state == .breached }.count
            let warning = budgets.statuses.filter { $0.state == .warning }.count
            cards.append([
                "label": "Budgets",
                "value": breached > 0 ? "\(breached) breached" : warning > 0 ? "\(warning) warning" : "all on track",
                "note": "\(budgets.statuses.count) budgets checked as of \(budgets.statuses[0].asOf)",
                "alert": breached + warning > 0,
            ])
        }
        cards.append([
            "label": "Anomalies",
            "value": "\(anomalies.count + serviceAnomalies.count)",
            "note":
                "\(anomalies.count) in the daily total over the chart's days, \(serviceAnomalies.count) by service in "
                + month,
            "alert": !anomalies.isEmpty,
        ])
        return cards
    }

    private func shareChart(_ shares: [Share], id: String, what: String) -> String {
        BarChart(
            title: "Cost by \(what) in \(month) (\(currency))",
            description: "Cost by \(what) in \(month), largest first: "
                + shares.map { "\($0.label) \(Money.text($0.amount))" }.joined(separator: ", ") + ".",
            bars: shares.map {
                .init(label: $0.label, value: $0.amount.doubleValue, text: Money.text($0.amount))
            },
            maximum: nil,
            width: 480
        )
        .svg(id: id)
    }

    private var moversChart: String {
        BarChart(
            title: "Top movers against \(previousMonth?.label ?? "the month before") (\(currency))",
            description: "Services whose cost changed most: "
                + movers.map { "\($0.label) \(Money.signed($0.change))" }.joined(separator: ", ") + ".",
            bars: movers.map {
                .init(
                    label: $0.label,
                    value: $0.change.doubleValue,
                    text: Money.signed($0.change),
                    tone: $0.change.isNegative ? "down" : "up"
                )
            },
            maximum: nil
        )
        .svg(id: "movers")
    }

    private var coverageChart: String {
        let lines = coverage.sorted { $0.key < $1.key }
        let percents = lines.map { line in line.taggedCost.percent(of: line.cost) ?? "0" }
        return BarChart(
            title: "Tag coverage of \(month)'s cost",
            description: "Share of \(month)'s cost carrying each tag: "
                + zip(lines, percents).map { "\($0.key) \($1)%" }.joined(separator: ", ") + ".",
            bars: zip(lines, percents).map { line, percent in
                .init(label: "tag(\(line.key))", value: Double(percent) ?? 0, text: "\(percent)%")
            },
            maximum: 100
        )
        .svg(id: "tag-coverage")
    }

    private var commitmentChart: String {
        let shown = commitments.prefix(options.top)
        return BarChart(
            title: "Commitment utilization (largest \(shown.count))",
            description: "Utilization of each commitment: "
                + shown.map { "\($0.id) \($0.utilizationPercent ?? "unknown")%" }.joined(separator: ", ") + ".",
            bars: shown.map { commitment in
                let percent = commitment.utilizationPercent ?? "0"
                let value = Double(percent) ?? 0
                return .init(label: commitment.id, value: value, text: "\(percent)%", tone: value < 80 ? "up" : nil)
            },
            maximum: 100
        )
        .svg(id: "commitments")
    }

    private func budgetChart(_ report: BudgetReport) -> String {
        let statuses = report.statuses
        let percents = statuses.map { status in status.actual.percent(of: status.budget.amount) ?? "0" }
        return BarChart(
            title: "Budget consumed to date",
            description: "Actual spend as a share of each budget: "
                + zip(statuses, percents).map { "\($0.budget.name) \($1)% (\($0.state.rawValue))" }
                .joined(separator: ", ") + ".",
            bars: zip(statuses, percents).map { status, percent in
                .init(
                    label: status.budget.name,
                    value: Double(percent) ?? 0,
                    text: "\(percent)% · \(status.state.rawValue)",
                    tone: status.state == .ok ? nil : "up"
                )
            },
            maximum: 100
        )
        .svg(id: "budgets")
    }
}

/// Amounts as the report prints them: two decimals, rounded half away from zero, digits grouped by thousands.
enum Money {
    static func text(_ amount: ExactDecimal) -> String {
        let plain = amount.formatted(places: 2)
        let negative = plain.hasPrefix("-")
        let digits = negative ? plain.dropFirst() : Substring(plain)
        let point = digits.firstIndex(of: ".") ?? digits.endIndex
        var whole = String(digits[..<point])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole.removeLast(3)
        }
        return (negative ? "−" : "") + whole + grouped + digits[point...]
    }

    static func signed(_ amount: ExactDecimal) -> String {
        amount.isNegative || amount.isZero ? text(amount) : "+" + text(amount)
    }
}
