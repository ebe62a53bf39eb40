import FinOpsCore
import Foundation
import HTTPTypes
import Hummingbird

/// Why the server refused or failed a request: a code for programs, the message the CLI would print, and the HTTP
/// status it answers with. API routes answer it as JSON `{"error": {"code", "message"}}`, pages as HTML.
public struct ServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// A stable identifier, e.g. `invalid_query`.
        public var name: String
        /// The HTTP status.
        public var status: Int

        public var description: String { name }

        /// The request's parameters or body do not parse or name something unknown (400).
        public static let invalidRequest = Code(name: "invalid_request", status: 400)
        /// A pivot definition does not parse (400).
        public static let invalidQuery = Code(name: "invalid_query", status: 400)
        /// No credentials, or credentials that are not accepted (401).
        public static let unauthenticated = Code(name: "unauthenticated", status: 401)
        /// The caller's role does not allow this (403).
        public static let forbidden = Code(name: "forbidden", status: 403)
        /// A form post without the session's CSRF token (403).
        public static let csrf = Code(name: "csrf_token_invalid", status: 403)
        /// No such flow, execution or page (404).
        public static let notFound = Code(name: "not_found", status: 404)
        /// The body is larger than the server accepts (413).
        public static let tooLarge = Code(name: "request_too_large", status: 413)
        /// The data cannot answer the request (a pivot over mixed currencies, an unknown column) (422).
        public static let unprocessable = Code(name: "unprocessable", status: 422)
        /// The store failed or found damage (500).
        public static let storeFailed = Code(name: "store_failed", status: 500)
        /// The server's configuration is unusable (a tokens file that does not parse); not an HTTP answer.
        public static let invalidConfiguration = Code(name: "invalid_configuration", status: 500)
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, and what to do, in the library's terms.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// `{"error":{"code":…,"message":…}}`.
    var json: String {
        "{\"error\":{\"code\":\(jsonQuoted(code.name)),\"message\":\(jsonQuoted(message))}}\n"
    }
}
