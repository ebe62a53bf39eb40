import FinOpsAnalytics
import FinOpsCore
import Prometheus

/// A cost review as Prometheus metrics, in the text exposition format: for node_exporter's textfile collector, a
/// Pushgateway, or any scraper that reads a file (the bundled Grafana dashboard charts them).
///
/// Prometheus samples are 64-bit floating point, so amounts here carry about 15 significant digits; the report and
/// task outputs keep every digit.
public enum CostMetrics {
    /// The metrics of a report, and the stored periods' row counts.
    ///
    /// Series (`finops_` prefix): `cost{currency,month}` (the month so far, and the whole month before), `cost_by_service`,
    /// `cost_by_account` and `cost_by_provider{currency,month,…}` (the largest and Others), `forecast_month_end{currency,month,bound}` (bound: point, lower,
    /// upper), `anomalies{currency,month,level}` (level: total or service), `budget_amount`, `budget_actual`,
    /// `budget_forecast`, `budget_utilization_ratio` and `budget_state{budget,currency}` (state 0 ok, 1 warning, 2
    /// breached),
    /// `tag_coverage_ratio{tag,currency,month}`, `commitment_utilization_ratio{commitment,currency}`,
    /// `allocated_cost{target,currency,month}`, `stored_rows{source,period}` and
    /// `report_generated_timestamp_seconds`.
    public static func exposition(
        of report: CostReport,
        periods: [PeriodSummary],
        generatedAt secondsSinceEpoch: Double
    ) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            let descriptor = MetricNameDescriptor(namespace: "finops", metricName: name, unitName: "", helpText: help)
            if labels.isEmpty {
                registry.makeGauge(descriptor: descriptor).set(value)
            } else {
                registry.makeGauge(descriptor: descriptor, labels: labels).set(value)
            }
        }
        let currency = report.currency
        let month = report.month
        gauge(
            "cost",
            "Cost of a month so far",
            [("currency", currency), ("month", month)],
            report.monthTotal.doubleValue
        )
        if let previous = report.previousMonthTotal {
            gauge(
                "cost",
                "Cost of a month so far",
                [("currency", currency), ("month", previous.label)],
                previous.amount.doubleValue
            )
        }
        let breakdowns = [
            ("service", report.byService), ("provider", report.byProvider), ("account", report.byAccount),
        ]
        for (dimension, shares) in breakdowns {
            for share in shares {
                gauge(
                    "cost_by_\(dimension)",
                    "Cost of each \(dimension) in the month (the smaller ones as Others)",
                    [("currency", currency), ("month", month), (dimension, share.label)],
                    share.amount.doubleValue
                )
            }
        }
        if let monthEnd = report.monthEnd {
            for (bound, value) in [("point", monthEnd.forecast), ("lower", monthEnd.lower), ("upper", monthEnd.upper)] {
                gauge(
                    "forecast_month_end",
                    "Forecast of the month's total cost",
                    [("currency", currency), ("month", month), ("bound", bound)],
                    value.doubleValue
                )
            }
        }
        gauge(
            "anomalies",
            "Anomalies found",
            [("currency", currency), ("month", month), ("level", "total")],
            Double(report.anomalies.count)
        )
        gauge(
            "anomalies",
            "Anomalies found",
            [("currency", currency), ("month", month), ("level", "service")],
            Double(report.serviceAnomalies.count)
        )
        for status in report.budgets?.statuses ?? [] {
            let labels = [("budget", status.budget.name), ("currency", status.budget.currency)]
            gauge("budget_amount", "A budget's amount for its current period", labels, status.budget.amount.doubleValue)
            gauge("budget_actual", "Spend against a budget to date", labels, status.actual.doubleValue)
            gauge(
                "budget_forecast",
                "Forecast spend against a budget at its period's end",
                labels,
                status.forecast.forecast.doubleValue
            )
            if !status.budget.amount.isZero {
                gauge(
                    "budget_utilization_ratio",
                    "Spend to date as a share of the budget",
                    labels,
                    status.actual.doubleValue / status.budget.amount.doubleValue
                )
            }
            let state: Double =
                switch status.state {
                case .ok: 0
                case .warning: 1
                case .breached: 2
                }
            gauge("budget_state", "A budget's state: 0 ok, 1 warning, 2 breached", labels, state)
        }
        for line in report.coverage where !line.cost.isZero {
            gauge(
                "tag_coverage_ratio",
                "Share of the month's cost whose rows carry the tag",
                [("tag", line.key), ("currency", line.currency), ("month", line.month)],
                line.taggedCost.doubleValue / line.cost.doubleValue
            )
        }
        for commitment in report.commitments {
            guard let percent = commitment.utilizationPercent.flatMap(Double.init) else { continue }
            gauge(
                "commitment_utilization_ratio",
                "Used share of a commitment",
                [("commitment", commitment.id), ("currency", commitment.currency)],
                percent / 100
            )
        }
        for line in report.allocation {
            gauge(
                "allocated_cost",
                "Cost allocated to a target in the month (showback)",
                [("target", line.target), ("currency", line.currency), ("month", month)],
                line.amount.doubleValue
            )
        }
        for period in periods {
            gauge(
                "stored_rows",
                "Rows stored for a source and billing period",
                [("source", period.source), ("period", period.period.description)],
                Double(period.rowCount)
            )
        }
        gauge("report_generated_timestamp_seconds", "When these metrics were computed", [], secondsSinceEpoch)
        return registry.emitToString()
    }
}
