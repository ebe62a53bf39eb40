import FlowEngine
import Foundation

/// What a caller may do: viewers read, operators also run flows and verify the store, admins everything.
public enum AccessRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case viewer
    case `operator`
    case admin

    public static func < (lhs: AccessRole, rhs: AccessRole) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }
}

/// Who made a request.
public struct AccessIdentity: Sendable, Hashable {
    /// The token's name, or the OIDC subject.
    public var name: String
    /// What the caller may do.
    public var role: AccessRole

    /// Creates an identity.
    public init(name: String, role: AccessRole) {
        self.name = name
        self.role = role
    }
}

/// The bearer tokens the server accepts, kept only as SHA-256 digests.
///
/// A tokens file has one token per line, `ROLE NAME sha256:HEX`, where HEX is the digest of the token; blank lines
/// and lines starting with `#` are skipped. ``newToken()`` and ``line(name:role:token:)`` make both halves:
///
/// ```
/// # finops serve --tokens tokens.txt
/// admin alice sha256:4f0c…
/// viewer grafana sha256:91ab…
/// ```
public struct AccessTokens: Sendable {
    private struct Entry: Sendable {
        var identity: AccessIdentity
        var digest: [UInt8]
    }

    private var entries: [Entry] = []

    /// No tokens: every request but `/health` is refused.
    public init() {}

    /// The tokens of a file's text; `path` names the file in errors.
    public init(text: String, path: String) throws(ServerError) {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            let location = "\(path):\(index + 1)"
            guard fields.count == 3 else {
                throw ServerError(
                    .invalidConfiguration,
                    "\(location): expected ROLE NAME sha256:HEX, found \(fields.count) fields"
                )
            }
            guard let role = AccessRole(rawValue: String(fields[0])) else {
                throw ServerError(
                    .invalidConfiguration,
                    "\(location): unknown role '\(fields[0])'; use \(AccessRole.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard fields[2].hasPrefix("sha256:"), let digest = Self.bytes(hex: fields[2].dropFirst(7)),
                digest.count == 32
            else {
                throw ServerError(.invalidConfiguration, "\(location): the digest is not sha256: and 64 hex digits")
            }
            add(name: String(fields[1]), role: role, digest: digest)
        }
    }

    /// The tokens of a file.
    public init(contentsOf url: URL) throws(ServerError) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ServerError(
                .invalidConfiguration,
                "\(url.path): cannot read the tokens file (\(error.localizedDescription))"
            )
        }
        try self.init(text: text, path: url.path)
    }

    /// Whether no token is accepted.
    public var isEmpty: Bool { entries.isEmpty }

    /// Accepts `token` for `name` with `role`.
    public mutating func add(name: String, role: AccessRole, token: String) {
        add(name: name, role: role, digest: SHA256.digest(of: Array(token.utf8)))
    }

    private mutating func add(name: String, role: AccessRole, digest: [UInt8]) {
        entries.append(Entry(identity: AccessIdentity(name: name, role: role), digest: digest))
    }

    /// The identity a presented token belongs to, or nil. Every entry is compared, each in constant time.
    public func identity(for token: String) -> AccessIdentity? {
        let digest = SHA256.digest(of: Array(token.utf8))
        var found: AccessIdentity?
        for entry in entries where SHA256.constantTimeEqual(entry.digest, digest) && found == nil {
            found = entry.identity
        }
        return found
    }

    /// A new random token: 32 bytes from the system's secure generator, base64url.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return "fok_" + Base64URL.encode((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The tokens-file line that accepts `token`.
    public static func line(name: String, role: AccessRole, token: String) -> String {
        "\(role.rawValue) \(name) sha256:\(SHA256.hexDigest(of: Array(token.utf8)))"
    }

    static func bytes(hex: Substring) -> [UInt8]? {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// Base64 with the URL-safe alphabet and no padding (RFC 4648 §5), for tokens and cookies.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
