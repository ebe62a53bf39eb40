import ArgumentParser
import FinOpsAnalytics
import FinOpsCore
import FinOpsServer
import FlowEngine
import Foundation
import PGStore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension FinOps {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the pivot explorer, the cost dashboard, the flows UI and the JSON API at one address.",
            discussion: """
                Every route but /health needs a token: from --tokens (lines of `ROLE NAME sha256:HEX`, made by \
                `finops token`) or FINOPS_TOKENS (the same lines). With neither, an admin token is made for this \
                run and a sign-in link printed. Listens on 127.0.0.1 unless --bind says otherwise.
                Examples:
                  finops serve --flows Examples/flows
                  finops serve --store postgres://finops@db/finops --bind 0.0.0.0 --tokens /etc/finops/tokens
                """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Option(name: .customLong("bind"), help: "The address to listen on (0.0.0.0 for every interface).")
        var host = "127.0.0.1"

        @Option(help: "The port (0 picks a free one).")
        var port = 8080

        @Option(help: "A directory of flows to list, validate and run.")
        var flows: String?

        @Option(help: "A tokens file (ROLE NAME sha256:HEX per line).")
        var tokens: String?

        @Option(help: "A budgets file: the dashboard shows them.")
        var budgets: String?

        @Option(help: "Where flows' FinOps tasks write their files.")
        var output = "finops-output"

        @Flag(help: "Allow flows to run processes on this machine (shell Commands and Script).")
        var allowProcesses = false

        @Flag(help: "Send every pivot to the store instead of keeping its rows in memory (data larger than memory).")
        var pushDown = false

        @Flag(help: "Do not fire the flows' Schedule triggers here (another process does).")
        var noScheduler = false

        @Option(help: "Accept OIDC access tokens (JWTs) of this issuer too (needs --oidc-jwks).")
        var oidcIssuer: String?

        @Option(help: "The audience an OIDC token must name.")
        var oidcAudience: String?

        @Option(
            help: "The issuer's keys: a JWKS file, or its https:// URL (fetched again when the issuer rotates keys)."
        )
        var oidcJwks: String?

        @Option(help: "The token claim holding the caller's roles (viewer, operator, admin).")
        var oidcRoleClaim = "roles"

        func run() async throws {
            var accepted: AccessTokens
            var signInLink: String?
            do {
                if let tokens {
                    accepted = try AccessTokens(contentsOf: URL(fileURLWithPath: tokens))
                } else if let text = ProcessInfo.processInfo.environment["FINOPS_TOKENS"] {
                    accepted = try AccessTokens(text: text, path: "FINOPS_TOKENS")
                } else {
                    accepted = AccessTokens()
                    let token = AccessTokens.newToken()
                    accepted.add(name: "admin", role: .admin, token: token)
                    signInLink = token
                }
            } catch {
                throw DataError(message: error.message + " (--tokens)")
            }
            var oidc: OIDCConfiguration?
            if let oidcIssuer {
                guard let source = oidcJwks else { throw ValidationError("--oidc-issuer needs --oidc-jwks") }
                let fetch: @Sendable () async throws -> String = {
                    if source.hasPrefix("https://") || source.hasPrefix("http://") {
                        guard let url = URL(string: source) else { throw DataError(message: "--oidc-jwks: not a URL") }
                        let (data, _) = try await URLSession.shared.data(from: url)
                        return String(decoding: data, as: UTF8.self)
                    }
                    return try String(contentsOfFile: source, encoding: .utf8)
                }
                do {
                    var configuration = OIDCConfiguration(
                        issuer: oidcIssuer,
                        audience: oidcAudience,
                        jwks: try await fetch()
                    )
                    configuration.roleClaim = oidcRoleClaim
                    configuration.refreshKeys = fetch
                    oidc = configuration
                } catch {
                    throw DataError(message: "--oidc-jwks: cannot read \(source): \(error)")
                }
            }
            if accepted.isEmpty, oidc == nil {
                throw DataError(message: "the tokens file accepts no token (--tokens)")
            }
            let budgetList = try budgets.map { try Budget.load(contentsOf: $0) } ?? []
            let executions = try await storeOptions.openExecutions()
            defer { Task { await executions.close() } }
            try await storeOptions.withStore { store in
                var configuration = FinOpsServer.Configuration(store: store)
                configuration.executions = executions
                configuration.runsScheduler = !noScheduler
                configuration.storeName = storeOptions.displayName
                configuration.host = host
                configuration.port = port
                configuration.flowsDirectory = flows.map { URL(fileURLWithPath: $0) }
                configuration.outputDirectory = URL(fileURLWithPath: output)
                configuration.allowsProcesses = allowProcesses
                configuration.tokens = accepted
                configuration.oidc = oidc
                configuration.keepsRowsInMemory = !pushDown
                configuration.budgets = budgetList
                let shownHost = host == "0.0.0.0" ? "127.0.0.1" : host
                let signInLink = signInLink
                try await FinOpsServer(configuration).run(handlesSignals: true) { port in
                    var line = "finops serve: listening on http://\(shownHost):\(port)/"
                    if let signInLink { line += "\nSign in with http://\(shownHost):\(port)/?token=\(signInLink)" }
                    // Unbuffered, for whoever reads the port from a pipe.
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
            }
        }
    }

    struct Token: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an access token for finops serve: prints the token and the tokens-file line.",
            discussion: """
                Give the token to its user; add the line (which holds only the token's SHA-256) to the tokens file.
                Example:
                  finops token --name grafana --role viewer
                """
        )

        @Option(help: "Who the token is for (shown in the pages and the executions' 'started by').")
        var name: String

        @Option(help: "viewer, operator (also runs flows) or admin.")
        var role: String = "viewer"

        func run() throws {
            guard let role = AccessRole(rawValue: role) else {
                throw ValidationError("--role is viewer, operator or admin")
            }
            guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                throw ValidationError("--name is one word")
            }
            let token = AccessTokens.newToken()
            print("token: \(token)")
            print("line:  \(AccessTokens.line(name: name, role: role, token: token))")
        }
    }
}
