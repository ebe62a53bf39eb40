import FinOpsCore
import FlowEngine
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Answers with a content type.
enum Answer {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        body(text, type: "text/html; charset=utf-8", status: status)
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        body(text, type: "application/json", status: status)
    }

    static func json(_ value: FlowValue, status: HTTPResponse.Status = .ok) -> Response {
        json(value.json + "\n", status: status)
    }

    static func body(
        _ text: String,
        type: String,
        status: HTTPResponse.Status = .ok,
        extra: [(HTTPField.Name, String)] = []
    ) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        // Pages load nothing from elsewhere and run no script but their own inline one.
        if type.hasPrefix("text/html") {
            headers[.contentSecurityPolicy] =
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
            headers[.xContentTypeOptions] = "nosniff"
        }
        for (name, value) in extra { headers[name] = value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}

extension Request {
    /// The query string's pairs, in order.
    var queryPairs: [(name: String, value: String)] { FormCoding.pairs(uri.query ?? "") }

    /// The first value of a query parameter.
    func query(_ name: String) -> String? { queryPairs.first { $0.name == name }?.value }

    /// The body as text, refused past `limit` bytes.
    func text(context: ServerContext) async throws -> String {
        var request = self
        do {
            let buffer = try await request.collectBody(upTo: context.maxUploadSize)
            return String(buffer: buffer)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw ServerError(.tooLarge, "the body is larger than \(context.maxUploadSize) bytes")
        }
    }

    /// A form post's fields, after checking its CSRF token against the session.
    func form(context: ServerContext, sessions: SessionSigner) async throws -> [(name: String, value: String)] {
        let pairs = FormCoding.pairs(try await text(context: context))
        if let cookie = context.sessionCookie {
            guard let token = pairs.first(where: { $0.name == "csrf" })?.value,
                sessions.checkCSRF(token, cookie: cookie)
            else {
                throw ServerError(.csrf, "the form is stale or from another site; reload the page and send it again")
            }
        }
        return pairs
    }
}
