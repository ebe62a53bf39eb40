import Foundation
import HTTPTypes
import Hummingbird

/// Finds who is asking on every route but `/health` and the sign-in page: a bearer token (`Authorization: Bearer`),
/// or a signed session cookie from the sign-in page (or from a `?token=` link, which is swapped for the cookie at
/// once so the token leaves the address bar). Without either, API calls get 401 and pages go to the sign-in page.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    let tokens: AccessTokens
    let oidc: OIDCVerifier?
    let sessions: SessionSigner

    /// Who a presented token is: one of the bearer tokens, else (for a JWT) a valid OIDC access token.
    func identity(for token: String) async -> AccessIdentity? {
        if let identity = tokens.identity(for: token) { return identity }
        guard let oidc, OIDCVerifier.looksLikeJWT(token) else { return nil }
        return await oidc.identity(for: token)
    }

    static let openPaths: Set<String> = ["/health", "/login"]

    func handle(
        _ request: Request,
        context: ServerContext,
        next: (Request, ServerContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        let path = request.uri.path
        if Self.openPaths.contains(path) { return try await next(request, context) }
        let isAPI = Self.isMachineRoute(path)
        if let authorization = request.headers[.authorization] {
            let token = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard authorization.lowercased().hasPrefix("bearer "), let identity = await identity(for: token) else {
                throw ServerError(.unauthenticated, "the bearer token is not accepted")
            }
            context.identity = identity
            return try await next(request, context)
        }
        if let cookie = request.cookies[SessionSigner.cookieName]?.value,
            let identity = sessions.identity(fromCookie: cookie)
        {
            context.identity = identity
            context.sessionCookie = cookie
            context.csrfToken = sessions.csrfToken(forCookie: cookie)
            // A script's API call made with the session (not a bearer token) must show it came from our pages.
            if isAPI, request.method != .get, request.method != .head {
                guard let presented = request.headers[.csrfToken],
                    sessions.checkCSRF(presented, cookie: cookie)
                else {
                    throw ServerError(.csrf, "a request signed in by cookie needs the page's X-CSRF-Token header")
                }
            }
            return try await next(request, context)
        }
        if !isAPI, request.method == .get, let token = request.uri.queryParameters["token"].map(String.init) {
            guard let identity = await identity(for: token) else {
                return Self.signInRedirect(to: path, message: "that link's token is not accepted")
            }
            var response = Response.redirect(to: Self.address(of: request, without: "token"), type: .normal)
            response.setCookie(sessionCookie(for: identity))
            return response
        }
        if isAPI { throw ServerError(.unauthenticated, "send a bearer token: Authorization: Bearer TOKEN") }
        return Self.signInRedirect(to: Self.address(of: request, without: nil), message: nil)
    }

    /// The session cookie for a signed-in identity.
    func sessionCookie(for identity: AccessIdentity) -> Cookie {
        Cookie(
            name: SessionSigner.cookieName,
            value: sessions.cookieValue(for: identity),
            maxAge: Int(sessions.lifetime),
            path: "/",
            httpOnly: true,
            sameSite: .lax
        )
    }

    /// Routes for programs: JSON errors, no redirects.
    static func isMachineRoute(_ path: String) -> Bool {
        path.hasPrefix("/api/") || path == "/metrics"
    }

    static func signInRedirect(to next: String, message: String?) -> Response {
        var query = "next=" + FormCoding.encode(next)
        if let message { query += "&message=" + FormCoding.encode(message) }
        return .redirect(to: "/login?" + query, type: .normal)
    }

    /// The request's path and query, without one parameter.
    static func address(of request: Request, without dropped: String?) -> String {
        let kept = FormCoding.pairs(request.uri.query ?? "").filter { $0.name != dropped }
        return kept.isEmpty ? request.uri.path : request.uri.path + "?" + FormCoding.encode(kept)
    }
}
