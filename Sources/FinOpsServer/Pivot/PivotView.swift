import FinOpsAnalytics
import FinOpsCore
import Foundation
import PivotKit

/// What the pivot explorer shows, all of it in the page's address so a view can be shared, bookmarked and stepped
/// back through: `rows`, `columns`, `measures`, any number of `f` (filters in the pivot syntax, all must hold),
/// `having`, `top`, `sort`, `limit`, `totals`, `tz`, a time `range` (or `from`/`to` days) and the `chart`.
struct PivotView: Sendable, Hashable {
    enum Chart: String, Sendable, CaseIterable {
        case table, bars, lines, area

        var label: String {
            switch self {
            case .table: "Table only"
            case .bars: "Bars"
            case .lines: "Lines"
            case .area: "Stacked area"
            }
        }
    }

    /// A time range relative to the data's last day (billing data arrives late, so "today" would show nothing).
    enum TimeRange: String, Sendable, CaseIterable {
        case all
        case last7 = "last-7-days"
        case last30 = "last-30-days"
        case last90 = "last-90-days"
        case thisMonth = "this-month"
        case lastMonth = "last-month"
        case thisYear = "this-year"
        case custom

        var label: String {
            switch self {
            case .all: "All time"
            case .last7: "Last 7 days"
            case .last30: "Last 30 days"
            case .last90: "Last 90 days"
            case .thisMonth: "This month"
            case .lastMonth: "Last month"
            case .thisYear: "This year"
            case .custom: "From – to"
            }
        }

        /// The days covered, `[start, end)`, given the data's last day.
        func days(lastDay: CalendarDay) -> (start: CalendarDay, end: CalendarDay)? {
            let next = lastDay.advanced(by: 1)
            switch self {
            case .all, .custom: return nil
            case .last7: return (lastDay.advanced(by: -6), next)
            case .last30: return (lastDay.advanced(by: -29), next)
            case .last90: return (lastDay.advanced(by: -89), next)
            case .thisMonth: return (lastDay.firstOfMonth, lastDay.firstOfNextMonth)
            case .lastMonth: return (lastDay.firstOfMonth.advanced(by: -1).firstOfMonth, lastDay.firstOfMonth)
            case .thisYear:
                let year = lastDay.components.year
                guard let start = CalendarDay(year: year, month: 1, day: 1),
                    let end = CalendarDay(year: year + 1, month: 1, day: 1)
                else { return nil }
                return (start, end)
            }
        }
    }

    static let timeColumn = "ChargePeriodStart"

    var rows = "BillingCurrency, ServiceName"
    var columns = ""
    var measures = "sum(EffectiveCost)"
    var filters: [String] = []
    var having = ""
    var top = "10"
    var sort = ""
    var limit = ""
    var totals = PivotTotals.grand
    var timeZone = "UTC"
    var range = TimeRange.all
    var from = ""
    var to = ""
    var chart = Chart.bars

    init() {}

    /// The view of a query string; unknown parameters are ignored, bad values kept so the page can say what is
    /// wrong with them.
    init(query pairs: [(name: String, value: String)]) {
        for (name, value) in pairs {
            switch name {
            case "rows": rows = value
            case "columns": columns = value
            case "measures": measures = value
            case "f": if !value.trimmingCharacters(in: .whitespaces).isEmpty { filters.append(value) }
            case "having": having = value
            case "top": top = value
            case "sort": sort = value
            case "limit": limit = value
            case "totals": totals = PivotTotals(rawValue: value) ?? totals
            case "tz": timeZone = value.isEmpty ? "UTC" : value
            case "range": range = TimeRange(rawValue: value) ?? range
            case "from": from = value
            case "to": to = value
            case "chart": chart = Chart(rawValue: value) ?? chart
            default: continue
            }
        }
    }

    /// The query string of this view, defaults left out.
    var queryPairs: [(name: String, value: String)] {
        var pairs: [(String, String)] = [("rows", rows)]
        if !columns.isEmpty { pairs.append(("columns", columns)) }
        pairs.append(("measures", measures))
        pairs += filters.map { ("f", $0) }
        if !having.isEmpty { pairs.append(("having", having)) }
        if !top.isEmpty { pairs.append(("top", top)) }
        if !sort.isEmpty { pairs.append(("sort", sort)) }
        if !limit.isEmpty { pairs.append(("limit", limit)) }
        pairs.append(("totals", totals.rawValue))
        if timeZone != "UTC" { pairs.append(("tz", timeZone)) }
        if range != .all { pairs.append(("range", range.rawValue)) }
        if range == .custom {
            if !from.isEmpty { pairs.append(("from", from)) }
            if !to.isEmpty { pairs.append(("to", to)) }
        }
        pairs.append(("chart", chart.rawValue))
        return pairs.map { (name: $0.0, value: $0.1) }
    }

    /// `/pivot?…` for this view.
    func address(_ path: String = "/pivot") -> String {
        path + "?" + FormCoding.encode(queryPairs)
    }

    /// Whether the time range needs the data's last day.
    var needsLastDay: Bool { range != .all && range != .custom }

    /// The pivot to run: the definition plus the filters and the time range, all joined with `and`.
    func definition(lastDay: CalendarDay?) throws(ServerError) -> PivotDefinition {
        var conditions = filters.map { "(\($0))" }
        let column = Self.timeColumn
        if range == .custom {
            if !from.isEmpty {
                guard let day = CalendarDay(from) else {
                    throw ServerError(.invalidQuery, "from: '\(from)' is not a YYYY-MM-DD day")
                }
                conditions.append("\(column) >= '\(day)'")
            }
            if !to.isEmpty {
                guard let day = CalendarDay(to) else {
                    throw ServerError(.invalidQuery, "to: '\(to)' is not a YYYY-MM-DD day")
                }
                conditions.append("\(column) < '\(day.advanced(by: 1))'")
            }
        } else if let lastDay, let days = range.days(lastDay: lastDay) {
            conditions.append("\(column) >= '\(days.start)' and \(column) < '\(days.end)'")
        }
        var limitValue: Int?
        if !limit.isEmpty {
            guard let value = Int(limit), value > 0 else {
                throw ServerError(.invalidQuery, "limit: '\(limit)' is not a number of groups above 0")
            }
            limitValue = value
        }
        return PivotDefinition(
            rows: rows,
            columns: columns,
            measures: measures,
            filter: conditions.joined(separator: " and "),
            having: having,
            top: top,
            sort: sort,
            limit: limitValue,
            totals: totals,
            timeZone: timeZone
        )
    }

    /// This view with one more filter.
    func adding(filter: String) -> PivotView {
        var view = self
        view.filters.append(filter)
        return view
    }

    /// This view without the filter at `index`.
    func removingFilter(at index: Int) -> PivotView {
        var view = self
        if view.filters.indices.contains(index) { view.filters.remove(at: index) }
        return view
    }
}
