import Foundation
import PGStore
import Testing

/// The PostgreSQL server the tests use: `FINOPS_TEST_POSTGRES_URL`, which `.ci/postgres.sh start` prints.
///
/// Without it the PGStore tests are skipped locally, with a visible message, but fail when `CI` is set, so CI never
/// passes without having run them.
enum TestDatabase {
    static let variable = "FINOPS_TEST_POSTGRES_URL"

    static var url: String? {
        guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else { return nil }
        return url
    }

    static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !value.isEmpty && value != "0" && value.lowercased() != "false"
    }

    /// Whether the tests run: with a server configured, or in CI (where they then fail for the lack of one).
    static let isEnabled: Bool = {
        if url != nil || isCI { return true }
        print(skipMessage)
        return false
    }()

    static let skipMessage =
        "PGStore tests skipped: \(variable) is not set. Start a server with "
        + "`eval \"$(.ci/postgres.sh start)\"` (stop it with `.ci/postgres.sh stop`)."

    /// The server's URL.
    ///
    /// - Throws: When none is configured (only reached in CI, where the tests must not skip).
    static func requireURL() throws -> String {
        guard let url else {
            throw TestDatabaseError(message: "CI is set but \(variable) is not: the PGStore tests need a server")
        }
        return url
    }

    static func connect() async throws -> PostgresConnection {
        try await PostgresConnection.connect(requireURL())
    }

    /// The conninfo of another database on the same server.
    static func conninfo(database: String) throws -> String {
        let url = try requireURL()
        guard var components = URLComponents(string: url), components.scheme?.hasPrefix("postgres") == true else {
            return url + " dbname=\(database)"
        }
        components.path = "/" + database
        return components.string!
    }

    /// Runs `body` with the conninfo of a new, empty database, dropped afterwards.
    static func withScratchDatabase<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let name = "finops_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let admin = try await connect()
        try await admin.query("CREATE DATABASE \(name)")
        do {
            let value = try await body(conninfo(database: name))
            try await admin.query("DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
            return value
        } catch {
            _ = try? await admin.query("DROP DATABASE \(name) WITH (FORCE)")
            await admin.close()
            throw error
        }
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test against the test server; see ``TestDatabase``.
    static var postgres: Self {
        .enabled(if: TestDatabase.isEnabled, Comment(rawValue: TestDatabase.skipMessage))
    }
}
