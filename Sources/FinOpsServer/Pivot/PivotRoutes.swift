import FinOpsCore
import Foundation
import Hummingbird
import PivotKit

extension FinOpsServer {
    /// `/pivot` (the explorer), `/pivot/export.csv` and `/pivot/export.json` (the same view's result).
    func addPivotRoutes(to router: Router<ServerContext>) {
        router.get("/pivot") { request, context -> Response in
            let identity = try context.require(.viewer)
            let pairs = request.queryPairs
            var view = PivotView(query: pairs)
            // The "add a filter" row folds into the view's filters, then the address is the view's own.
            if let value = pairs.first(where: { $0.name == "nf_value" })?.value,
                !value.trimmingCharacters(in: .whitespaces).isEmpty,
                let field = pairs.first(where: { $0.name == "nf_field" })?.value, !field.isEmpty,
                let op = PivotExplorerPage.FilterOperator(rawValue: pairs.first { $0.name == "nf_op" }?.value ?? "in")
            {
                view = view.adding(filter: PivotExplorerPage.filter(field: field, operator: op, value: value))
                return .redirect(to: view.address(), type: .normal)
            }
            var page = PivotExplorerPage(view: view, fields: try await costs.fields())
            if pairs.isEmpty {
                // A first visit: the default view, shown at its own address.
                return .redirect(to: view.address(), type: .normal)
            }
            let clock = ContinuousClock()
            let started = clock.now
            do {
                page.result = try await runPivot(view)
                let elapsed = clock.now - started
                page.milliseconds =
                    Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            } catch {
                page.error = ErrorMiddleware.serverError(error).message
            }
            let html = PageLayout.render(
                .init(
                    title: "Pivot",
                    section: "pivot",
                    body: page.render(),
                    identity: identity,
                    csrfToken: context.csrfToken
                )
            )
            return Answer.html(html, status: page.error == nil ? .ok : .badRequest)
        }
        router.get("/pivot/export.csv") { request, context -> Response in
            _ = try context.require(.viewer)
            let result = try await runPivot(PivotView(query: request.queryPairs))
            return Answer.body(
                result.csv(),
                type: "text/csv; charset=utf-8",
                extra: [(.contentDisposition, "attachment; filename=\"pivot.csv\"")]
            )
        }
        router.get("/pivot/export.json") { request, context -> Response in
            _ = try context.require(.viewer)
            let result = try await runPivot(PivotView(query: request.queryPairs))
            return Answer.body(
                try result.json() + "\n",
                type: "application/json",
                extra: [(.contentDisposition, "attachment; filename=\"pivot.json\"")]
            )
        }
    }

    /// The view's pivot, its relative time range resolved against the data's last day.
    func runPivot(_ view: PivotView) async throws -> PivotResult {
        let lastDay = view.needsLastDay ? try await costs.lastDay() : nil
        let query = try view.definition(lastDay: lastDay).query()
        return try await costs.pivot(query)
    }
}
