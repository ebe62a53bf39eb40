import FinOpsAnalytics
import FinOpsCore
import Foundation

/// The daily cost chart: the actual cost as a line, the forecast to the month's end as a dashed line in its
/// interval band, and anomalies as marked points.
struct DailyCostChart {
    var daily: TimeSeries
    var forecast: SeriesForecast?
    var anomalies: [Anomaly]
    var currency: String

    static let width = 960
    static let height = 340
    private static let left = 64.0
    private static let right = 16.0
    private static let top = 40.0
    private static let bottom = 44.0

    func svg(id: String) -> String {
        let first = CalendarDay(containing: daily.start)
        let points = forecast?.points ?? []
        let days = daily.values.count + points.count
        let actual = daily.values.map(\.doubleValue)
        let upper = points.map { $0.upper.doubleValue }
        let lower = points.map { $0.lower.doubleValue }
        let low = min(0, (actual + lower).min() ?? 0)
        let high = max((actual + upper).max() ?? 1, low + 1)
        let ticks = SVGChart.ticks(from: low, to: high)
        let yLow = ticks.first ?? low
        let yHigh = max(ticks.last ?? high, high)
        let plotWidth = Double(Self.width) - Self.left - Self.right
        let plotHeight = Double(Self.height) - Self.top - Self.bottom
        func x(_ index: Int) -> Double { Self.left + plotWidth * Double(index) / Double(max(days - 1, 1)) }
        func y(_ value: Double) -> Double { Self.top + plotHeight * (1 - (value - yLow) / (yHigh - yLow)) }

        let last = first.advanced(by: max(daily.values.count - 1, 0))
        var total = ExactDecimal.zero
        for value in daily.values { total = (try? total.adding(value)) ?? total }
        var description =
            "Daily \(currency) cost from \(first) to \(last), \(daily.values.count) days totalling "
            + "\(total.formatted(places: 2))."
        if let forecast, let end = points.last {
            description +=
                " Forecast to \(end.timestamp) by \(forecast.method): \(forecast.total.forecast.formatted(places: 2))"
                + " more (\(Int((forecast.interval * 100).rounded()))% interval "
                + "\(forecast.total.lower.formatted(places: 2)) to \(forecast.total.upper.formatted(places: 2)))."
        }
        description +=
            anomalies.isEmpty
            ? " No anomalies."
            : " Anomalies: "
                + anomalies.map { "\($0.timestamp) \($0.kind.rawValue) of \($0.impact.formatted(places: 2))" }
                .joined(separator: "; ") + "."

        var svg = SVGChart.open(
            id: id,
            width: Self.width,
            height: Self.height,
            title: "Daily cost (\(currency))",
            description: description
        )
        for tick in ticks {
            let position = SVGChart.coordinate(y(tick))
            svg += "<line class=\"grid\" x1=\"\(Self.left)\" x2=\"\(Double(Self.width) - Self.right)\" "
            svg += "y1=\"\(position)\" y2=\"\(position)\"/>"
            svg += "<text class=\"axis\" x=\"\(Self.left - 8)\" y=\"\(position)\" dy=\"4\" text-anchor=\"end\">"
            svg += "\(SVGChart.label(tick))</text>"
        }
        // A label every week, on the days the data starts.
        let step = max(7, (days / 10 + 6) / 7 * 7)
        for index in stride(from: 0, to: days, by: step) {
            let position = SVGChart.coordinate(x(index))
            let day = first.advanced(by: index).description
            svg += "<line class=\"tick\" x1=\"\(position)\" x2=\"\(position)\" y1=\"\(y(yLow))\" "
            svg += "y2=\"\(SVGChart.coordinate(y(yLow) + 5))\"/>"
            svg += "<text class=\"axis\" x=\"\(position)\" y=\"\(SVGChart.coordinate(y(yLow) + 20))\" "
            svg += "text-anchor=\"middle\">\(day.dropFirst(5))</text>"
        }
        svg += "<line class=\"baseline\" x1=\"\(Self.left)\" x2=\"\(Double(Self.width) - Self.right)\" "
        svg += "y1=\"\(SVGChart.coordinate(y(max(0, yLow))))\" y2=\"\(SVGChart.coordinate(y(max(0, yLow))))\"/>"
        if !points.isEmpty {
            let offset = daily.values.count
            var band = (0..<points.count).map {
                "\(SVGChart.coordinate(x(offset + $0))),\(SVGChart.coordinate(y(upper[$0])))"
            }
            band += (0..<points.count).reversed().map {
                "\(SVGChart.coordinate(x(offset + $0))),\(SVGChart.coordinate(y(lower[$0])))"
            }
            svg += "<polygon class=\"band\" points=\"\(band.joined(separator: " "))\"><title>Forecast interval</title>"
            svg += "</polygon>"
            var line = actual.last.map { ["\(SVGChart.coordinate(x(offset - 1))),\(SVGChart.coordinate(y($0)))"] } ?? []
            line += points.enumerated().map {
                "\(SVGChart.coordinate(x(offset + $0.offset))),\(SVGChart.coordinate(y($0.element.forecast.doubleValue)))"
            }
            svg += "<polyline class=\"forecast\" points=\"\(line.joined(separator: " "))\"/>"
        }
        let path = actual.enumerated().map {
            "\(SVGChart.coordinate(x($0.offset))),\(SVGChart.coordinate(y($0.element)))"
        }
        svg += "<polyline class=\"actual\" points=\"\(path.joined(separator: " "))\"/>"
        for anomaly in anomalies where anomaly.index < actual.count {
            svg += "<circle class=\"anomaly\" cx=\"\(SVGChart.coordinate(x(anomaly.index)))\" "
            svg += "cy=\"\(SVGChart.coordinate(y(actual[anomaly.index])))\" r=\"6\"><title>"
            svg += markupEscaped(
                "\(anomaly.timestamp): \(anomaly.kind.rawValue), \(anomaly.actual.formatted(places: 2)) against "
                    + "\(anomaly.expected.formatted(places: 2)) expected"
            )
            svg += "</title></circle>"
        }
        svg += SVGChart.legend(
            x: Self.left,
            y: 16,
            swatch: "<line class=\"actual\" x1=\"0\" x2=\"16\" y1=\"0\" y2=\"0\"/>",
            text: "actual"
        )
        if !points.isEmpty {
            svg += SVGChart.legend(
                x: Self.left + 100,
                y: 16,
                swatch: "<line class=\"forecast\" x1=\"0\" x2=\"16\" y1=\"0\" y2=\"0\"/>",
                text: "forecast"
            )
            svg += SVGChart.legend(
                x: Self.left + 210,
                y: 16,
                swatch: "<rect class=\"band\" x=\"0\" y=\"-6\" width=\"16\" height=\"12\"/>",
                text: "\(Int(((forecast?.interval ?? 0.8) * 100).rounded()))% interval"
            )
        }
        svg += SVGChart.legend(
            x: Self.left + (points.isEmpty ? 100 : 340),
            y: 16,
            swatch: "<circle class=\"anomaly\" cx=\"8\" cy=\"0\" r=\"5\"/>",
            text: "anomaly"
        )
        return svg + "</svg>"
    }
}
