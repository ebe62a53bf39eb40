import FinOpsTasks
import FinOpsTestSupport
import Foundation
import Testing

/// Headless Chromium (Debian's `chromium`), where installed; `.ci/run` installs it, and with `CI` set a missing
/// browser fails the test instead of skipping it.
enum Browser {
    static let chromium: URL? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .map(URL.init(fileURLWithPath:)).first { FileManager.default.isExecutableFile(atPath: $0.path) }

    static var required: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// Runs the browser headless on a page; what it printed.
    static func run(_ arguments: [String], page: URL) async throws -> CommandRunner.Output {
        let browser = try #require(chromium, "chromium is not installed (apt-get install chromium)")
        return try await CommandRunner.runOffPool(
            ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--log-level=3"] + arguments
                + [page.absoluteString],
            program: browser
        )
    }
}

@Suite("the cost report in a real browser")
struct ReportBrowserTests {
    /// Measures, in the browser, each chart's laid-out size and how many of its shapes are drawn with a size, and
    /// how far the page overflows the window sideways; the result goes into the DOM, which `--dump-dom` prints.
    static let probe = """
        <script>
        const lines = [];
        for (const svg of document.querySelectorAll('svg.chart')) {
          const box = svg.getBoundingClientRect();
          let drawn = 0;
          for (const shape of svg.querySelectorAll('polyline, polygon, rect, circle, line')) {
            const size = shape.getBBox();
            if (size.width > 0 || size.height > 0) drawn += 1;
          }
          lines.push(`chart ${svg.id} ${Math.round(box.width)} ${Math.round(box.height)} ${drawn}`);
        }
        lines.push(`viewport ${window.innerWidth} ${document.documentElement.scrollWidth}`);
        const out = document.createElement('pre');
        out.id = 'probe';
        out.textContent = lines.join('\\n');
        document.body.appendChild(out);
        </script>
        """

    struct Chart {
        var id: String
        var width: Int
        var height: Int
        var shapes: Int
    }

    /// The probe's findings for the page at a window width.
    static func layout(of html: String, width: Int) async throws -> (charts: [Chart], viewport: Int, page: Int) {
        let file = Fixtures.temporaryDirectory().appendingPathComponent("probe.html")
        try html.replacingOccurrences(of: "</body>", with: probe + "</body>").write(
            to: file,
            atomically: true,
            encoding: .utf8
        )
        let output = try await Browser.run(["--window-size=\(width),900", "--dump-dom"], page: file)
        let dom = output.stdout
        guard let start = dom.range(of: "<pre id=\"probe\">"),
            let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
        else {
            Issue.record("the probe did not run: \(output.stderr.suffix(500))")
            return ([], 0, 0)
        }
        var charts: [Chart] = []
        var viewport = 0
        var page = 0
        for line in dom[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            if fields.first == "chart", fields.count == 5 {
                charts.append(
                    Chart(
                        id: fields[1],
                        width: Int(fields[2]) ?? 0,
                        height: Int(fields[3]) ?? 0,
                        shapes: Int(fields[4]) ?? 0
                    )
                )
            } else if fields.first == "viewport", fields.count == 3 {
                viewport = Int(fields[1]) ?? 0
                page = Int(fields[2]) ?? 0
            }
        }
        return (charts, viewport, page)
    }

    @Test(
        "every chart is laid out with drawn content, wide and narrow, and the page prints and screenshots",
        .enabled(if: Browser.chromium != nil || Browser.required)
    )
    func charts() async throws {
        let (report, _) = try await CostReportTests.review()
        let html = report.html()
        let expected = ["daily-cost", "by-service", "by-account", "movers", "budgets", "tag-coverage", "commitments"]
        // 500 px: headless Chromium's narrowest window; the charts then stack in one column.
        for width in [1200, 500] {
            let (charts, viewport, page) = try await Self.layout(of: html, width: width)
            #expect(charts.map(\.id) == expected, "at \(width) px")
            #expect(viewport > 0 && viewport <= width)
            for chart in charts {
                // Each chart fills its column (two columns side by side at most), never wider than the window.
                #expect(
                    chart.width * 5 >= viewport * 2 && chart.width <= viewport,
                    "\(chart.id): \(chart.width) of \(viewport) px"
                )
                #expect(chart.height >= 40, "\(chart.id) in \(viewport) px is \(chart.height) px high")
                #expect(chart.shapes >= 3, "\(chart.id) in \(viewport) px draws \(chart.shapes) shapes")
            }
            #expect(page <= viewport, "the page is \(page) px wide in a \(viewport) px window")
        }
        let folder = Fixtures.temporaryDirectory()
        let page = folder.appendingPathComponent("report.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let png = folder.appendingPathComponent("report.png")
        _ = try await Browser.run(["--window-size=1100,2400", "--screenshot=\(png.path)"], page: page)
        let image = try Data(contentsOf: png)
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(image.count > 50_000, "a 1100×2400 screenshot of charts and tables is \(image.count) bytes")
        let pdf = folder.appendingPathComponent("report.pdf")
        _ = try await Browser.run(["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)"], page: page)
        let printed = try Data(contentsOf: pdf)
        #expect(printed.starts(with: Array("%PDF".utf8)))
        #expect(printed.count > 20_000)
    }
}
