import FinOpsAnalytics
import FinOpsCore
import Foundation
import PivotKit

/// The pivot explorer: a form whose every field is a parameter of the address (so the view is shareable and the
/// back button steps through views), the chart, and the table whose member cells drill down.
struct PivotExplorerPage {
    var view: PivotView
    var fields: StoredCosts.Fields
    var result: PivotResult?
    var error: String?
    var milliseconds: Double?

    /// Operators of the "add a filter" row.
    enum FilterOperator: String, CaseIterable {
        case isIn = "in"
        case notIn = "not in"
        case contains
        case matches = "matches"
        case equal = "="
        case notEqual = "!="
        case atLeast = ">="
        case below = "<"

        var label: String {
            switch self {
            case .isIn: "is one of"
            case .notIn: "is none of"
            case .contains: "contains"
            case .matches: "matches regex"
            case .equal: "="
            case .notEqual: "≠"
            case .atLeast: "≥"
            case .below: "<"
            }
        }
    }

    /// The filter text of the "add a filter" row: values of `in` lists are comma-separated; numbers stay numbers.
    static func filter(field: String, operator op: FilterOperator, value: String) -> String {
        func literal(_ text: String) -> String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if ExactDecimal(trimmed) != nil, op == .atLeast || op == .below { return trimmed }
            return "'" + trimmed.replacingOccurrences(of: "'", with: "''") + "'"
        }
        switch op {
        case .isIn, .notIn:
            let values = value.split(separator: ",").map { literal(String($0)) }.joined(separator: ", ")
            return "\(field) \(op == .isIn ? "in" : "not in") (\(values))"
        case .contains:
            return "\(field) ~ \(literal(regexEscaped(value.trimmingCharacters(in: .whitespaces))))"
        case .matches: return "\(field) ~ \(literal(value))"
        case .equal, .notEqual, .atLeast, .below: return "\(field) \(op.rawValue) \(literal(value))"
        }
    }

    static func regexEscaped(_ text: String) -> String {
        var out = ""
        for character in text {
            if "\\.^$|?*+()[]{}".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// The filter that selects one member of a dimension: equality, a tag's value, a time bucket's range, or the
    /// absence of a value.
    static func drillFilter(_ dimension: PivotDimension, _ value: DimensionValue, bucketEnd: Timestamp?) -> String? {
        let field: String
        switch dimension {
        case .column(let name): field = name
        case .tag(let key): field = "tag(\(key))"
        case .time(let name, _):
            guard case .time(let start, _) = value, let bucketEnd else { return nil }
            return "\(name) >= '\(start)' and \(name) < '\(bucketEnd)'"
        }
        switch value {
        case .text(let text): return "\(field) = '\(text.replacingOccurrences(of: "'", with: "''"))'"
        case .null: return "\(field) is null"
        case .time, .others: return nil
        }
    }

    func render() -> String {
        var page = HTMLBuilder()
        page.element("h1", text: "Pivot explorer")
        page.open("form", ["method": "get", "action": "/pivot", "id": "view", "aria-label": "Pivot view"])
        page.raw("<fieldset><legend>Splits and measures</legend><div class=\"grid\">")
        let dimensions =
            fields.text + fields.tagKeys.map { "tag(\($0))" }
            + fields.times.flatMap { column in ["day", "week", "month", "quarter", "year"].map { "\($0)(\(column))" } }
        page.datalist("dimensions", dimensions)
        page.datalist(
            "measures",
            ["count()"] + fields.amounts.flatMap { ["sum(\($0))", "avg(\($0))", "max(\($0))"] }
                + [
                    "count_distinct(ResourceId)", "pct_of_total(sum(EffectiveCost))", "change(sum(EffectiveCost))",
                    "percent_change(sum(EffectiveCost))", "ratio(sum(EffectiveCost), sum(ListCost))",
                ]
        )
        page.field("rows", label: "Rows (comma-separated)", value: view.rows, list: "dimensions")
        page.field("columns", label: "Columns", value: view.columns, list: "dimensions")
        page.field("measures", label: "Measures", value: view.measures, list: "measures")
        page.field("top", label: "Top N (N or N:measure)", value: view.top)
        page.field("sort", label: "Sort (e.g. sum(EffectiveCost) desc)", value: view.sort)
        page.field("limit", label: "Limit (groups)", value: view.limit)
        page.select(
            "totals",
            label: "Totals",
            options: [("none", "None"), ("grand", "Grand total"), ("all", "Subtotals and grand total")],
            selected: view.totals.rawValue
        )
        page.select(
            "chart",
            label: "Chart",
            options: PivotView.Chart.allCases.map { ($0.rawValue, $0.label) },
            selected: view.chart.rawValue
        )
        page.field("tz", label: "Time zone of time buckets", value: view.timeZone)
        page.raw("</div></fieldset>")

        page.raw("<fieldset><legend>Filters</legend>")
        if view.filters.isEmpty {
            page.element("p", ["class": "muted"], text: "No filters: every row counts.")
        } else {
            page.raw("<ul class=\"chips\" aria-label=\"Filters\">")
            for (index, filter) in view.filters.enumerated() {
                page.raw("<li>")
                page.element("code", text: filter)
                page.raw("<input type=\"hidden\" name=\"f\" value=\"\(markupEscaped(filter))\"> ")
                page.open(
                    "a",
                    ["href": view.removingFilter(at: index).address(), "aria-label": "Remove filter \(filter)"]
                )
                page.raw("✕</a></li>")
            }
            page.raw("</ul>")
        }
        page.raw("<div class=\"grid\">")
        page.select(
            "nf_field",
            label: "Add a filter on",
            options: dimensions.filter { !$0.contains("(") || $0.hasPrefix("tag(") }.map { ($0, $0) }
                + fields.amounts.map { ($0, $0) },
            selected: ""
        )
        page.select(
            "nf_op",
            label: "Condition",
            options: FilterOperator.allCases.map { ($0.rawValue, $0.label) },
            selected: FilterOperator.isIn.rawValue
        )
        page.field("nf_value", label: "Value(s)", value: "")
        page.select(
            "range",
            label: "Time range",
            options: PivotView.TimeRange.allCases.map { ($0.rawValue, $0.label) },
            selected: view.range.rawValue
        )
        page.field("from", label: "From (custom range)", value: view.from, type: "date")
        page.field("to", label: "To (custom range, inclusive)", value: view.to, type: "date")
        page.field("having", label: "Having (e.g. sum(EffectiveCost) > 100)", value: view.having)
        page.raw("</div></fieldset>")
        page.raw("<div class=\"actions\"><button type=\"submit\" id=\"show\">Show</button>")
        page.open("a", ["href": "/pivot"])
        page.raw("Reset</a></div></form>")

        if let error { page.error(error) }
        guard let result else { return page.html }
        let exportQuery = FormCoding.encode(view.queryPairs)
        page.raw("<div class=\"actions\"><span>Export this view:</span>")
        page.open("a", ["href": "/pivot/export.csv?" + exportQuery, "id": "export-csv"])
        page.raw("CSV</a>")
        page.open("a", ["href": "/pivot/export.json?" + exportQuery, "id": "export-json"])
        page.raw("JSON</a>")
        let groups = result.groups.count
        var summary = "\(groups) group\(groups == 1 ? "" : "s")"
        if let milliseconds { summary += " in \(String(format: "%.1f", milliseconds)) ms" }
        page.element("span", ["class": "muted", "id": "summary"], text: summary)
        page.raw("</div>")
        let chart = PivotChart(result)
        if view.chart != .table, !chart.isEmpty { page.raw(chart.svg(view.chart)) }
        renderTable(result, into: &page)
        return page.html
    }

    /// The crosstab; every member cell of a group row links to the view filtered to that row's members.
    private func renderTable(_ result: PivotResult, into page: inout HTMLBuilder) {
        let grid = result.crosstab()
        var rowKeys: [[DimensionValue?]] = []
        var seen = Set<[DimensionValue?]>()
        for cell in result.cells where seen.insert(cell.rowValues).inserted { rowKeys.append(cell.rowValues) }
        page.raw("<table id=\"pivot\"><caption>")
        page.text("\(result.query.measures.map(\.description).joined(separator: ", ")) by \(view.rows)")
        if !view.columns.isEmpty { page.text(" × \(view.columns)") }
        page.raw("</caption><thead><tr>")
        for (index, header) in grid.header.enumerated() {
            page.element(
                "th",
                index < grid.labelColumns ? ["scope": "col"] : ["scope": "col", "class": "n"],
                text: header
            )
        }
        page.raw("</tr></thead><tbody>")
        for (rowIndex, row) in grid.rows.enumerated() {
            page.raw(row.isTotal ? "<tr class=\"total\">" : "<tr>")
            let key = rowKeys.indices.contains(rowIndex) ? rowKeys[rowIndex] : []
            for (index, cell) in row.cells.enumerated() {
                guard index < grid.labelColumns else {
                    page.element("td", ["class": "n"], text: cell)
                    continue
                }
                let drill = row.isTotal ? nil : drillAddress(key: key, through: index, result: result)
                page.raw(index == 0 ? "<th scope=\"row\">" : "<td>")
                if let drill {
                    page.open("a", ["href": drill, "title": "Filter to \(cell)"])
                    page.text(cell)
                    page.raw("</a>")
                } else {
                    page.text(cell)
                }
                page.raw(index == 0 ? "</th>" : "</td>")
            }
            page.raw("</tr>")
        }
        page.raw("</tbody></table>")
    }

    /// The view filtered to the row's members up to dimension `depth`; nil when one cannot be filtered (Others).
    private func drillAddress(key: [DimensionValue?], through depth: Int, result: PivotResult) -> String? {
        var drilled = view
        for index in 0...depth {
            guard key.indices.contains(index), result.query.rows.indices.contains(index), let value = key[index]
            else { return nil }
            let dimension = result.query.rows[index]
            var end: Timestamp?
            if case .time(_, let bucket) = dimension, case .time(let start, _) = value {
                end = Self.bucketEnd(start, bucket)
            }
            guard let filter = Self.drillFilter(dimension, value, bucketEnd: end) else { return nil }
            drilled = drilled.adding(filter: filter)
        }
        return drilled.address()
    }

    /// The end of a UTC time bucket that starts at `start`.
    static func bucketEnd(_ start: Timestamp, _ bucket: TimeBucket) -> Timestamp? {
        let day = CalendarDay(containing: start)
        switch bucket {
        case .hour: return Timestamp(microsecondsSinceEpoch: start.microsecondsSinceEpoch + 3_600_000_000)
        case .day: return day.advanced(by: 1).start
        case .week: return day.advanced(by: 7).start
        case .month: return day.firstOfNextMonth.start
        case .quarter: return day.firstOfNextMonth.firstOfNextMonth.firstOfNextMonth.start
        case .year:
            return CalendarDay(year: day.components.year + 1, month: 1, day: 1)?.start
        }
    }
}
