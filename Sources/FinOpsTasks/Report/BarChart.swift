import FinOpsCore
import Foundation

/// A horizontal bar chart: one labelled bar per member with its value written beside it; negative values extend
/// left of the zero line (credits, falling costs).
struct BarChart {
    struct Bar {
        var label: String
        var value: Double
        var text: String
        /// A class for the bar's colour (`up`, `down`, or none).
        var tone: String? = nil
    }

    var title: String
    var description: String
    var bars: [Bar]
    /// The scale's end when it is fixed (100 for percentages).
    var maximum: Double?
    /// The chart's width in its own units (text is 12 units high): narrower for charts side by side.
    var width = 720

    private var labelWidth: Double { Double(width) * 0.32 }
    private var valueWidth: Double { Double(width) > 600 ? 130 : 90 }
    private static let rowHeight = 26.0

    func svg(id: String) -> String {
        let height = Int(Self.rowHeight * Double(max(bars.count, 1)) + 12)
        var svg = SVGChart.open(id: id, width: width, height: height, title: title, description: description)
        let low = min(0, bars.map(\.value).min() ?? 0)
        let high = max(maximum ?? 0, bars.map(\.value).max() ?? 0, low + 1e-9)
        let plot = Double(width) - labelWidth - valueWidth
        func x(_ value: Double) -> Double { labelWidth + plot * (value - low) / (high - low) }
        let zero = x(0)
        for (index, bar) in bars.enumerated() {
            let top = 6 + Self.rowHeight * Double(index)
            let start = min(zero, x(bar.value))
            let width = max(abs(x(bar.value) - zero), bar.value == 0 ? 0 : 1)
            let fits = Int(labelWidth / 7.2)
            let label = bar.label.count > fits ? String(bar.label.prefix(fits - 1)) + "…" : bar.label
            svg += "<g class=\"bar\"><title>\(markupEscaped("\(bar.label): \(bar.text)"))</title>"
            svg += "<text class=\"axis\" x=\"\(labelWidth - 8)\" y=\"\(SVGChart.coordinate(top + 13))\" "
            svg += "text-anchor=\"end\">\(markupEscaped(label))</text>"
            svg += "<rect class=\"\(bar.tone ?? "fill")\" x=\"\(SVGChart.coordinate(start))\" "
            svg += "y=\"\(SVGChart.coordinate(top + 2))\" width=\"\(SVGChart.coordinate(width))\" height=\"16\"/>"
            svg += "<text class=\"value\" x=\"\(SVGChart.coordinate(max(zero, x(bar.value)) + 6))\" "
            svg += "y=\"\(SVGChart.coordinate(top + 13))\">\(markupEscaped(bar.text))</text></g>"
        }
        svg += "<line class=\"baseline\" x1=\"\(SVGChart.coordinate(zero))\" x2=\"\(SVGChart.coordinate(zero))\" "
        svg += "y1=\"4\" y2=\"\(height - 4)\"/>"
        return svg + "</svg>"
    }
}
