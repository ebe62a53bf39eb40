import Hummingbird
import NIOCore

/// The request context of the server's routes: who is asking and how they proved it.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, once the authentication middleware accepted its credentials.
    public var identity: AccessIdentity?
    /// The session cookie the caller signed in with (nil for a bearer token): form posts must carry its CSRF token.
    var sessionCookie: String?
    /// The CSRF token pages put in their forms.
    var csrfToken: String?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Form and JSON bodies are small: flows and pivot definitions.
    public var maxUploadSize: Int { 1 << 20 }

    /// The caller, when its role is at least `role`.
    func require(_ role: AccessRole) throws(ServerError) -> AccessIdentity {
        guard let identity else { throw ServerError(.unauthenticated, "sign in, or send a bearer token") }
        guard identity.role >= role else {
            throw ServerError(
                .forbidden,
                "\(identity.name) is a \(identity.role.rawValue); this needs the \(role.rawValue) role"
            )
        }
        return identity
    }
}
