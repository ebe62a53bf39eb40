import FinOpsAnalytics
import FinOpsCore
import HTTPTypes
import Hummingbird
import PivotKit

/// Turns every error into an answer: JSON `{"error": {"code", "message"}}` on API routes and `/metrics`, a page on
/// the others. Errors of the data (a pivot over mixed currencies, a damaged store) keep their own messages.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(
        _ request: Request,
        context: ServerContext,
        next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let failure = Self.serverError(error)
            let status = HTTPResponse.Status(code: failure.code.status)
            if AuthenticationMiddleware.isMachineRoute(request.uri.path) {
                var response = Answer.json(failure.json, status: status)
                if failure.code == .unauthenticated { response.headers[.wwwAuthenticate] = "Bearer realm=\"finops\"" }
                return response
            }
            var page = HTMLBuilder()
            page.element("h1", text: status.reasonPhrase)
            page.error(failure.message)
            page.raw("<p><a href=\"/\">Back to the start</a></p>")
            let html = PageLayout.render(
                .init(
                    title: status.reasonPhrase,
                    section: "",
                    body: page.html,
                    identity: context.identity,
                    csrfToken: context.csrfToken
                )
            )
            return Answer.html(html, status: status)
        }
    }

    static func serverError(_ error: any Error) -> ServerError {
        switch error {
        case let error as ServerError: return error
        case let error as PivotDefinition.SyntaxError: return ServerError(.invalidQuery, error.description)
        case let error as PivotError: return ServerError(.unprocessable, error.message)
        case let error as AnalyticsError: return ServerError(.unprocessable, error.description)
        case let error as CostStoreError: return ServerError(.storeFailed, error.description)
        case let error as HTTPError:
            let code: ServerError.Code =
                switch error.status.code {
                case 404: .notFound
                case 413: .tooLarge
                case 401: .unauthenticated
                default: ServerError.Code(name: "http_\(error.status.code)", status: error.status.code)
                }
            return ServerError(code, error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            return ServerError(
                ServerError.Code(name: "http_\(error.status.code)", status: error.status.code),
                error.status.reasonPhrase
            )
        default: return ServerError(.storeFailed, "\(error)")
        }
    }
}
