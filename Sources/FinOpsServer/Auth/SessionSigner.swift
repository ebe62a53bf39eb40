import FlowEngine
import Foundation

/// Browser sessions as signed cookies: `base64url(name \n role \n expiry) . base64url(HMAC-SHA-256)`, so the server
/// keeps no session table and a restarted server with the same key keeps its users signed in. Form posts carry a
/// CSRF token derived from the cookie, which a page of another site cannot read.
struct SessionSigner: Sendable {
    static let cookieName = "finops_session"

    private let key: [UInt8]
    /// How long a sign-in lasts.
    var lifetime: TimeInterval = 12 * 3600

    init(key: [UInt8]) {
        self.key = key
    }

    /// A key of 32 random bytes, for a server that signs its own sessions.
    static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The cookie value for `identity`, valid until `now + lifetime`.
    func cookieValue(for identity: AccessIdentity, now: Date = Date()) -> String {
        let expiry = Int(now.timeIntervalSince1970 + lifetime)
        let payload = Array("\(identity.name)\n\(identity.role.rawValue)\n\(expiry)".utf8)
        return Base64URL.encode(payload) + "." + Base64URL.encode(SHA256.authenticationCode(for: payload, key: key))
    }

    /// The identity of a cookie this signer made that has not expired, or nil.
    func identity(fromCookie value: String, now: Date = Date()) -> AccessIdentity? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = Base64URL.decode(parts[0]), let mac = Base64URL.decode(parts[1]),
            SHA256.constantTimeEqual(mac, SHA256.authenticationCode(for: payload, key: key)),
            let text = String(bytes: payload, encoding: .utf8)
        else { return nil }
        let fields = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard fields.count == 3, let role = AccessRole(rawValue: String(fields[1])), let expiry = Int(fields[2]),
            Double(expiry) > now.timeIntervalSince1970
        else { return nil }
        return AccessIdentity(name: String(fields[0]), role: role)
    }

    /// The CSRF token of a session cookie.
    func csrfToken(forCookie value: String) -> String {
        Base64URL.encode(SHA256.authenticationCode(for: Array("csrf\n\(value)".utf8), key: key))
    }

    /// Whether `token` is the CSRF token of the session cookie, compared in constant time.
    func checkCSRF(_ token: String, cookie: String) -> Bool {
        SHA256.constantTimeEqual(Array(token.utf8), Array(csrfToken(forCookie: cookie).utf8))
    }
}
