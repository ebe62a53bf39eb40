import FinOpsAnalytics
import FinOpsCore
import PivotKit

/// A pivot's first measure drawn as inline SVG: bars, lines or stacked areas of the same cells the table shows.
///
/// With column dimensions the x axis is the column members and each row member a series; without, the row members
/// are the x axis of one series. Totals are left out (they would dwarf their members). Positions are floating
/// point, as any drawing is; the numbers shown are the exact ones.
struct PivotChart {
    struct Series {
        var label: String
        var values: [Double?]
    }

    var categories: [String] = []
    var series: [Series] = []
    var measure: String

    static let maximumSeries = 12
    static let palette = [
        "#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a21caf",
        "#c2410c", "#334155", "#0369a1", "#9f1239",
    ]

    init(_ result: PivotResult) {
        measure = result.query.measures.first?.description ?? ""
        let cells = result.groups
        func value(_ cell: PivotResult.Cell) -> Double? {
            switch cell.measures.first {
            case .decimal(let amount)?: amount.doubleValue
            case .integer(let count)?: Double(count)
            default: nil
            }
        }
        if result.query.columns.isEmpty {
            categories = cells.map {
                result.memberLabels($0.rowValues, dimensions: result.query.rows).joined(separator: " / ")
            }
            series = [Series(label: measure, values: cells.map(value))]
            return
        }
        var columnKeys: [[DimensionValue?]] = []
        var rowKeys: [[DimensionValue?]] = []
        var seenColumns = Set<[DimensionValue?]>()
        var seenRows = Set<[DimensionValue?]>()
        var lookup: [[DimensionValue?]: Double] = [:]
        for cell in cells {
            if seenColumns.insert(cell.columnValues).inserted { columnKeys.append(cell.columnValues) }
            if seenRows.insert(cell.rowValues).inserted { rowKeys.append(cell.rowValues) }
            lookup[cell.rowValues + cell.columnValues] = value(cell)
        }
        columnKeys.sort { lhs, rhs in
            for (a, b) in zip(lhs, rhs) where a != b {
                guard let a, let b else { return b == nil }
                return a < b
            }
            return false
        }
        categories = columnKeys.map {
            result.memberLabels($0, dimensions: result.query.columns).joined(separator: " / ")
        }
        series = rowKeys.prefix(Self.maximumSeries).map { rowKey in
            Series(
                label: result.memberLabels(rowKey, dimensions: result.query.rows).joined(separator: " / "),
                values: columnKeys.map { lookup[rowKey + $0] }
            )
        }
    }

    var isEmpty: Bool { categories.isEmpty || series.isEmpty }

    func svg(_ kind: PivotView.Chart) -> String {
        switch kind {
        case .table: ""
        case .bars: bars()
        case .lines: lines(stacked: false)
        case .area: lines(stacked: true)
        }
    }

    private func frame(height: Int, title: String, description: String) -> String {
        "<svg class=\"chart\" viewBox=\"0 0 1000 \(height)\" role=\"img\" aria-labelledby=\"chart-title chart-desc\">"
            + "<title id=\"chart-title\">\(markupEscaped(title))</title>"
            + "<desc id=\"chart-desc\">\(markupEscaped(description))</desc>"
    }

    /// Horizontal bars, grouped by category, one colour per series.
    private func bars() -> String {
        let rows = categories.prefix(40)
        let barHeight = 14
        let groupHeight = barHeight * series.count + 8
        let height = 30 + groupHeight * rows.count + legendHeight
        let values = series.flatMap { $0.values.prefix(rows.count).compactMap { $0 } }
        let low: Double = Swift.min(0, values.min() ?? 0)
        let high: Double = Swift.max(0, values.max() ?? 0)
        let span: Double = high - low == 0 ? 1 : high - low
        let left = 260.0
        let width = 700.0
        func x(_ value: Double) -> Double { left + (value - low) / span * width }
        var svg = frame(
            height: height,
            title: "\(measure) by \(rows.count == categories.count ? "" : "the first \(rows.count) ")members",
            description: "Bars of \(measure); the table below has every value."
        )
        for (index, category) in rows.enumerated() {
            let top = 20 + index * groupHeight
            svg += "<text x=\"\(Int(left) - 8)\" y=\"\(top + groupHeight / 2)\" text-anchor=\"end\">"
            svg += markupEscaped(Self.shortened(category)) + "</text>"
            for (seriesIndex, series) in series.enumerated() {
                guard let value = series.values[index] else { continue }
                let start = x(min(0, value))
                let end = x(max(0, value))
                svg += "<rect x=\"\(Self.number(start))\" y=\"\(top + seriesIndex * barHeight)\" "
                svg += "width=\"\(Self.number(max(end - start, 0.5)))\" height=\"\(barHeight - 2)\" "
                svg += "fill=\"\(Self.colour(seriesIndex))\"><title>"
                svg += markupEscaped("\(series.label), \(category): \(Self.number(value))") + "</title></rect>"
            }
        }
        svg +=
            "<line x1=\"\(Self.number(x(0)))\" x2=\"\(Self.number(x(0)))\" y1=\"16\" y2=\"\(20 + groupHeight * rows.count)\" stroke=\"#6b7280\"/>"
        svg += legend(top: 28 + groupHeight * rows.count)
        return svg + "</svg>"
    }

    /// Lines, or areas stacked on each other, over the categories.
    private func lines(stacked: Bool) -> String {
        let plotTop = 20.0
        let plotHeight = 300.0
        let left = 80.0
        let width = 880.0
        let count = categories.count
        var baselines = [Double](repeating: 0, count: count)
        var tops: [[Double]] = []
        for series in series {
            let top = (0..<count).map { index in (stacked ? baselines[index] : 0) + (series.values[index] ?? 0) }
            if stacked { baselines = top }
            tops.append(top)
        }
        let all: [Double] = Array(tops.joined()) + [0]
        let low: Double = all.min() ?? 0
        let high: Double = all.max() ?? 1
        let span: Double = high - low == 0 ? 1 : high - low
        func x(_ index: Int) -> Double {
            count <= 1 ? left + width / 2 : left + Double(index) / Double(count - 1) * width
        }
        func y(_ value: Double) -> Double { plotTop + (high - value) / span * plotHeight }
        let height = Int(plotTop + plotHeight) + 40 + legendHeight
        var svg = frame(
            height: height,
            title: "\(measure)\(stacked ? ", stacked," : "") over \(count) members",
            description:
                "\(stacked ? "Stacked areas" : "Lines") of \(measure) per series; the table below has every value."
        )
        for tick in 0...4 {
            let value = low + span * Double(tick) / 4
            svg +=
                "<line x1=\"\(Int(left))\" x2=\"\(Int(left + width))\" y1=\"\(Self.number(y(value)))\" y2=\"\(Self.number(y(value)))\" stroke=\"#e5e7eb\"/>"
            svg +=
                "<text x=\"\(Int(left) - 6)\" y=\"\(Self.number(y(value) + 4))\" text-anchor=\"end\">\(Self.compact(value))</text>"
        }
        let step = max(1, count / 8)
        for index in stride(from: 0, to: count, by: step) {
            svg +=
                "<text x=\"\(Self.number(x(index)))\" y=\"\(Int(plotTop + plotHeight) + 16)\" text-anchor=\"middle\">"
            svg += markupEscaped(Self.shortened(categories[index], to: 14)) + "</text>"
        }
        var previous = [Double](repeating: 0, count: count)
        for (seriesIndex, top) in tops.enumerated() {
            let points = top.indices.map { "\(Self.number(x($0))),\(Self.number(y(top[$0])))" }
            if stacked {
                let base = previous.indices.reversed().map { "\(Self.number(x($0))),\(Self.number(y(previous[$0])))" }
                svg +=
                    "<polygon points=\"\((points + base).joined(separator: " "))\" fill=\"\(Self.colour(seriesIndex))\" fill-opacity=\"0.75\">"
                svg += "<title>\(markupEscaped(series[seriesIndex].label))</title></polygon>"
                previous = top
            } else {
                svg +=
                    "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(Self.colour(seriesIndex))\" stroke-width=\"2\">"
                svg += "<title>\(markupEscaped(series[seriesIndex].label))</title></polyline>"
            }
        }
        svg += legend(top: Int(plotTop + plotHeight) + 30)
        return svg + "</svg>"
    }

    private var legendHeight: Int { series.count > 1 ? 18 * ((series.count + 3) / 4) + 8 : 0 }

    private func legend(top: Int) -> String {
        guard series.count > 1 else { return "" }
        var svg = ""
        for (index, series) in series.enumerated() {
            let x = 20 + (index % 4) * 245
            let y = top + (index / 4) * 18
            svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"12\" height=\"12\" fill=\"\(Self.colour(index))\"/>"
            svg += "<text x=\"\(x + 16)\" y=\"\(y + 10)\">\(markupEscaped(Self.shortened(series.label, to: 32)))</text>"
        }
        return svg
    }

    static func colour(_ index: Int) -> String { palette[index % palette.count] }

    static func shortened(_ text: String, to length: Int = 36) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return String((value * 10).rounded() / 10)
    }

    static func compact(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e9 { return String((value / 1e8).rounded() / 10) + "G" }
        if magnitude >= 1e6 { return String((value / 1e5).rounded() / 10) + "M" }
        if magnitude >= 1e3 { return String((value / 1e2).rounded() / 10) + "k" }
        return String((value * 100).rounded() / 100)
    }
}
