import Foundation
import JWTKit

/// OpenID Connect / OAuth 2 access tokens accepted beside the bearer tokens: JWTs signed with one of the issuer's
/// keys (its JWKS), from the configured issuer, for the configured audience, not expired and already valid. The
/// caller's role comes from a claim (a string or a list), its name from another (else `sub`).
public struct OIDCConfiguration: Sendable {
    /// The `iss` a token must carry, e.g. `https://login.example.com/realms/finops`.
    public var issuer: String
    /// An `aud` a token must carry (a string, or one of a list); nil accepts any.
    public var audience: String?
    /// The issuer's keys: a JWKS document, as JSON.
    public var jwks: String
    /// Fetches the JWKS again, for keys the issuer rotated in (tried on an unknown key id, at most every 5 minutes).
    public var refreshKeys: (@Sendable () async throws -> String)?
    /// The claim holding the caller's roles; the highest role found wins.
    public var roleClaim = "roles"
    /// Names in the role claim that stand for our roles (`viewer`, `operator` and `admin` stand for themselves).
    public var roleNames: [String: AccessRole] = [:]
    /// The claim naming the caller (`sub` when it is missing).
    public var nameClaim = "preferred_username"
    /// How far the issuer's clock may be from ours.
    public var leeway: TimeInterval = 60

    /// Accepts tokens of `issuer` signed with the keys of `jwks`.
    public init(issuer: String, audience: String?, jwks: String) {
        self.issuer = issuer
        self.audience = audience
        self.jwks = jwks
    }
}

/// Checks access tokens against an ``OIDCConfiguration``.
actor OIDCVerifier {
    let configuration: OIDCConfiguration
    private var keys: JWTKeyCollection
    private var refreshed: Date?

    init(_ configuration: OIDCConfiguration) async throws(ServerError) {
        self.configuration = configuration
        keys = try await Self.keys(configuration.jwks)
    }

    private static func keys(_ jwks: String) async throws(ServerError) -> JWTKeyCollection {
        do {
            return try await JWTKeyCollection().add(jwksJSON: jwks)
        } catch {
            throw ServerError(.invalidConfiguration, "the OIDC issuer's JWKS is not usable: \(error)")
        }
    }

    /// Whether `token` has a JWT's three parts.
    nonisolated static func looksLikeJWT(_ token: String) -> Bool {
        token.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The identity of a valid token; nil for any token that is not.
    func identity(for token: String, now: Date = Date()) async -> AccessIdentity? {
        var claims = try? await keys.verify(token, as: OIDCClaims.self)
        if claims == nil, let refresh = configuration.refreshKeys,
            refreshed.map({ now.timeIntervalSince($0) > 300 }) ?? true
        {
            refreshed = now
            if let jwks = try? await refresh(), let fresh = try? await Self.keys(jwks) {
                keys = fresh
                claims = try? await keys.verify(token, as: OIDCClaims.self)
            }
        }
        guard let claims else { return nil }
        return identity(of: claims.values, now: now)
    }

    func identity(of claims: [String: ClaimValue], now: Date) -> AccessIdentity? {
        let leeway = configuration.leeway
        guard case .string(let issuer)? = claims["iss"], issuer == configuration.issuer else { return nil }
        guard case .number(let expiry)? = claims["exp"], now.timeIntervalSince1970 < expiry + leeway else {
            return nil
        }
        if case .number(let notBefore)? = claims["nbf"], now.timeIntervalSince1970 + leeway < notBefore {
            return nil
        }
        if let audience = configuration.audience {
            switch claims["aud"] {
            case .string(let value)?: guard value == audience else { return nil }
            case .array(let values)?: guard values.contains(.string(audience)) else { return nil }
            default: return nil
            }
        }
        var names: [String] = []
        switch claims[configuration.roleClaim] {
        case .string(let value)?: names = [value]
        case .array(let values)?:
            names = values.compactMap { if case .string(let name) = $0 { name } else { nil } }
        default: break
        }
        let roles = names.compactMap { configuration.roleNames[$0] ?? AccessRole(rawValue: $0) }
        guard let role = roles.max() else { return nil }
        let name: String
        if case .string(let value)? = claims[configuration.nameClaim] {
            name = value
        } else if case .string(let subject)? = claims["sub"] {
            name = subject
        } else {
            return nil
        }
        return AccessIdentity(name: name, role: role)
    }
}

/// A JSON value of a token's claims.
enum ClaimValue: Codable, Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ClaimValue])
    case object([String: ClaimValue])
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ClaimValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ClaimValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

/// Every claim of a token, checked by ``OIDCVerifier`` (which knows the configured names) rather than here.
struct OIDCClaims: JWTPayload {
    var values: [String: ClaimValue]

    init(_ values: [String: ClaimValue]) {
        self.values = values
    }

    init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: ClaimValue].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
