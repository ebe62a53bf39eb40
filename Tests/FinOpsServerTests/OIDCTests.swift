import FinOpsTestSupport
import Foundation
import JWTKit
import Testing

@testable import FinOpsServer

@Suite("finops serve: OIDC access tokens")
struct OIDCTests {
    static let issuer = "https://login.example.test/realms/finops"

    /// A JWKS document with the public halves of `keys`, by key id.
    static func jwks(_ keys: [(String, ES256PrivateKey)]) throws -> String {
        let entries = try keys.map { kid, key -> String in
            let parameters = try #require(key.publicKey.parameters)
            return
                #"{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"\#(kid)","x":"\#(parameters.x)","y":"\#(parameters.y)"}"#
        }
        return #"{"keys":[\#(entries.joined(separator: ","))]}"#
    }

    static func token(
        _ key: ES256PrivateKey,
        kid: String = "k1",
        claims: [String: ClaimValue] = [:],
        now: Date = Date()
    ) async throws -> String {
        var values: [String: ClaimValue] = [
            "iss": .string(issuer), "aud": .array([.string("finops"), .string("grafana")]),
            "sub": .string("user-1"), "preferred_username": .string("carol"),
            "exp": .number(now.timeIntervalSince1970 + 300), "iat": .number(now.timeIntervalSince1970),
            "roles": .array([.string("viewer")]),
        ]
        for (name, value) in claims { values[name] = value }
        let signers = await JWTKeyCollection().add(ecdsa: key, kid: JWKIdentifier(string: kid))
        return try await signers.sign(OIDCClaims(values), kid: JWKIdentifier(string: kid))
    }

    @Test("signed tokens of the issuer are accepted with the role of their claim; every other token is refused")
    func tokens() async throws {
        let key = ES256PrivateKey()
        let stranger = ES256PrivateKey()
        let rotated = ES256PrivateKey()
        let published = try Self.jwks([("k1", key)])
        let afterRotation = try Self.jwks([("k1", key), ("k2", rotated)])
        let server = try await TestServer.start(store: try await TestServer.sampleStore()) { configuration in
            var oidc = OIDCConfiguration(issuer: Self.issuer, audience: "finops", jwks: published)
            oidc.roleNames = ["finops-operators": .operator]
            oidc.refreshKeys = { afterRotation }
            configuration.oidc = oidc
        }
        defer { Task { await server.stop() } }
        func status(_ token: String, _ path: String = "/api/v1/periods", method: String = "GET") async throws -> Int {
            try await server.request(path, method: method, token: token).status
        }
        let viewer = try await Self.token(key)
        #expect(try await status(viewer) == 200)
        #expect(try await status(viewer, "/api/v1/verify", method: "POST") == 403)
        let operatorToken = try await Self.token(key, claims: ["roles": .array([.string("finops-operators")])])
        #expect(try await status(operatorToken, "/api/v1/verify", method: "POST") == 200)
        // The name comes from preferred_username, else sub.
        let run = try await server.request("/pivot?rows=BillingCurrency", token: viewer)
        #expect(run.body.contains("carol (viewer)"))

        // A key the issuer rotated in is fetched again when a token names it (at most every 5 minutes).
        #expect(try await status(try await Self.token(rotated, kid: "k2")) == 200)

        let now = Date()
        let refused: [(String, String)] = [
            ("expired", try await Self.token(key, claims: ["exp": .number(now.timeIntervalSince1970 - 120)])),
            ("not yet valid", try await Self.token(key, claims: ["nbf": .number(now.timeIntervalSince1970 + 600)])),
            ("another issuer", try await Self.token(key, claims: ["iss": .string("https://evil.test")])),
            ("another audience", try await Self.token(key, claims: ["aud": .string("billing")])),
            ("no role", try await Self.token(key, claims: ["roles": .array([.string("guest")])])),
            ("another key, same id", try await Self.token(stranger)),
            ("unsigned", Self.unsigned(viewer)),
            ("tampered", Self.tampered(viewer)),
        ]
        for (what, token) in refused {
            #expect(try await status(token) == 401, "\(what)")
        }
    }

    /// The token with `alg: none` and no signature.
    static func unsigned(_ token: String) -> String {
        let parts = token.split(separator: ".")
        return Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + parts[1] + "."
    }

    /// The token with its role changed in the payload, the signature kept.
    static func tampered(_ token: String) -> String {
        let parts = token.split(separator: ".")
        let text = String(decoding: Base64URL.decode(parts[1]) ?? [], as: UTF8.self)
            .replacingOccurrences(of: "\"viewer\"", with: "\"admin\"")
        return parts[0] + "." + Base64URL.encode(Array(text.utf8)) + "." + parts[2]
    }
}
