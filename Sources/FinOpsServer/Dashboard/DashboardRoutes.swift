import FinOpsAnalytics
import FinOpsTasks
import Foundation
import Hummingbird

extension FinOpsServer {
    /// `/dashboard?month=YYYY-MM`: the cost review of the report, live over the store, with the months before and
    /// after one click away.
    func addDashboardRoutes(to router: Router<ServerContext>) {
        router.get("/dashboard") { request, context -> Response in
            let identity = try context.require(.viewer)
            let month = request.query("month").flatMap { $0.isEmpty ? nil : $0 }
            if let month, CalendarDay(month + "-01") == nil {
                throw ServerError(.invalidRequest, "month: '\(month)' is not YYYY-MM")
            }
            var options = reviewOptions(month: month)
            options.generated = ISO8601DateFormatter().string(from: Date())
            let report = try await CostReport.build(options: options, answer: costs.pivot)
            options.pageHeader = navigation(for: report.month, identity: identity)
            var page = report
            page.options = options
            return Answer.html(page.html())
        }
    }

    /// The bar above the report: the server's sections and the month navigation.
    private func navigation(for month: String, identity: AccessIdentity) -> String {
        var bar = HTMLBuilder()
        bar.raw(
            "<nav class=\"server-nav\" aria-label=\"Dashboard\" style=\"display:flex;gap:16px;flex-wrap:wrap;padding:8px 20px;border-bottom:1px solid #d1d5db;background:#f3f4f6\">"
        )
        for (label, path) in [("Pivot", "/pivot"), ("Flows", "/flows"), ("Executions", "/executions")] {
            bar.open("a", ["href": path])
            bar.text(label)
            bar.raw("</a>")
        }
        if let first = CalendarDay(month + "-01") {
            let previous = first.advanced(by: -1).firstOfMonth.description.prefix(7)
            let next = first.firstOfNextMonth.description.prefix(7)
            bar.open("a", ["href": "/dashboard?month=\(previous)", "rel": "prev", "id": "previous-month"])
            bar.text("← \(previous)")
            bar.raw("</a>")
            bar.element("strong", text: month)
            bar.open("a", ["href": "/dashboard?month=\(next)", "rel": "next", "id": "next-month"])
            bar.text("\(next) →")
            bar.raw("</a>")
        }
        bar.element(
            "span",
            ["style": "margin-left:auto;color:#4b5563"],
            text: "\(identity.name) (\(identity.role.rawValue))"
        )
        bar.raw("</nav>")
        return bar.html
    }
}
