import FinOpsCore
import Foundation

/// What the report's charts share: their size, scale, axis ticks and labels.
///
/// Charts are inline SVG with a `viewBox`, so they scale to the page's width (and print); each has a `<title>` and a
/// `<desc>` that says in words what it shows, for screen readers and for anyone reading the page without images.
enum SVGChart {
    /// Round tick values covering `low...high`, about `count` of them.
    static func ticks(from low: Double, to high: Double, count: Int = 5) -> [Double] {
        let span = high - low
        guard span > 0, span.isFinite else { return [low] }
        let raw = span / Double(max(count - 1, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [Double] = []
        var value = (low / step).rounded(.down) * step
        // One tick at or above `high`, so the scale's top is a labelled line.
        while ticks.last.map({ $0 < high }) ?? true, ticks.count < 50 {
            ticks.append(value)
            value += step
        }
        return ticks
    }

    /// A tick's label: thousands as k and millions as M, with the digits the step needs.
    static func label(_ value: Double) -> String {
        let size = abs(value)
        if size >= 1e9 { return trimmed(value / 1e9) + "B" }
        if size >= 1e6 { return trimmed(value / 1e6) + "M" }
        if size >= 1e4 { return trimmed(value / 1e3) + "k" }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A number for an SVG attribute: one decimal is finer than a pixel.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return String(format: "%.1f", value)
    }

    /// The opening of a chart: its size, role and text alternatives.
    static func open(id: String, width: Int, height: Int, title: String, description: String) -> String {
        """
        <svg id="\(id)" class="chart" viewBox="0 0 \(width) \(height)" role="img" \
        aria-labelledby="\(id)-title \(id)-desc" xmlns="http://www.w3.org/2000/svg">\
        <title id="\(id)-title">\(markupEscaped(title))</title>\
        <desc id="\(id)-desc">\(markupEscaped(description))</desc>
        """
    }

    /// A legend entry: a swatch and its text.
    static func legend(x: Double, y: Double, swatch: String, text: String) -> String {
        "<g class=\"legend\" transform=\"translate(\(coordinate(x)),\(coordinate(y)))\">\(swatch)"
            + "<text x=\"22\" y=\"4\" class=\"axis\">\(markupEscaped(text))</text></g>"
    }
}
