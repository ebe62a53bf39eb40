import FinOpsAnalytics
import FinOpsCore
import FinOpsTasks
import FlowEngine
import Foundation
import Hummingbird
import Prometheus

extension FinOpsServer {
    /// `/health` (open: for load balancers and `finops doctor`) and `/metrics` (Prometheus' text format).
    func addOperationsRoutes(to router: Router<ServerContext>) {
        router.get("/health") { _, _ -> Response in
            do {
                let periods = try await costs.periods()
                let value: FlowValue = [
                    "status": "ok",
                    "store": .string(configuration.storeName),
                    "periods": .int(periods.count),
                    "rows": .int(periods.reduce(0) { $0 + $1.rowCount }),
                    "uptimeSeconds": .int(Int(Date().timeIntervalSince(startedAt))),
                ]
                return Answer.json(value)
            } catch {
                let value: FlowValue = ["status": "unavailable", "message": .string("\(error)")]
                return Answer.json(value, status: .serviceUnavailable)
            }
        }
        router.get("/metrics") { _, context -> Response in
            _ = try context.require(.viewer)
            var bytes: [UInt8] = []
            metrics.emit(into: &bytes)
            var text = String(decoding: bytes, as: UTF8.self)
            if let review = try? await CostReport.build(options: reviewOptions(month: nil), answer: costs.pivot) {
                text += CostMetrics.exposition(
                    of: review,
                    periods: try await costs.periods(),
                    generatedAt: Date().timeIntervalSince1970
                )
            }
            return Answer.body(text, type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/") { _, _ in Response.redirect(to: "/pivot") }
    }

    /// The review the dashboard and `/metrics` show.
    func reviewOptions(month: String?) -> CostReport.Options {
        var options = CostReport.Options()
        options.month = month
        options.budgets = configuration.budgets
        options.title = "Cost dashboard"
        return options
    }

    /// The sign-in page (a token, once; then a signed cookie) and signing out.
    func addSignInRoutes(to router: Router<ServerContext>, authentication: AuthenticationMiddleware) {
        router.get("/login") { request, _ -> Response in
            Answer.html(signInPage(next: request.query("next") ?? "/", message: request.query("message")))
        }
        router.post("/login") { request, context -> Response in
            let form = FormCoding.pairs(try await request.text(context: context))
            let token = form.first { $0.name == "token" }?.value ?? ""
            let next = Self.localAddress(form.first { $0.name == "next" }?.value ?? "/")
            guard let identity = await authentication.identity(for: token) else {
                return Answer.html(
                    signInPage(next: next, message: "That token is not accepted."),
                    status: .unauthorized
                )
            }
            var response = Response.redirect(to: next, type: .normal)
            response.setCookie(authentication.sessionCookie(for: identity))
            return response
        }
        router.post("/logout") { request, context -> Response in
            _ = try await request.form(context: context, sessions: sessions)
            var response = Response.redirect(to: "/login?message=" + FormCoding.encode("Signed out."), type: .normal)
            response.setCookie(
                Cookie(name: SessionSigner.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .lax)
            )
            return response
        }
    }

    /// A path on this server: what a sign-in may go on to (never another site).
    static func localAddress(_ text: String) -> String {
        guard text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\") else { return "/" }
        return text
    }

    private func signInPage(next: String, message: String?) -> String {
        var page = HTMLBuilder()
        page.element("h1", text: "Sign in")
        if let message { page.element("p", ["role": "status"], text: message) }
        page.raw("<form method=\"post\" action=\"/login\">")
        page.raw("<input type=\"hidden\" name=\"next\" value=\"\(markupEscaped(Self.localAddress(next)))\">")
        page.field("token", label: "Access token", value: "", type: "password")
        page.raw("<div class=\"actions\"><button type=\"submit\">Sign in</button></div></form>")
        page.element(
            "p",
            ["class": "muted"],
            text:
                "Tokens are given by the server's administrator (finops serve prints a sign-in link when it makes one)."
        )
        return PageLayout.render(.init(title: "Sign in", section: "", body: page.html))
    }
}
