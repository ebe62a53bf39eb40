import ArgumentParser
import FinOpsCore
import Foundation
import PGStore

extension FinOps {
    struct DB: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "db",
            abstract: "Manage a PostgreSQL store's schema.",
            subcommands: [Migrate.self, Status.self]
        )
    }
}

/// The server a `db` command works on.
struct DatabaseOptions: ParsableArguments {
    @Option(
        help: """
            The server: a postgres:// URL or key/value conninfo (default $FINOPS_STORE when it is a postgres:// URL, \
            else $PGHOST and the other PG* environment variables, which also fill in what a URL leaves out).
            """
    )
    var url: String?

    /// Connects, and turns database failures into data errors (exit code 1).
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            let connection = try await PostgresConnection.connect(PostgresURL.resolve(option: url))
            do {
                let value = try await body(connection)
                await connection.close()
                return value
            } catch {
                await connection.close()
                throw error
            }
        } catch let error as PostgresError where error.code == .misuse {
            throw ValidationError(error.message)
        } catch let error as PostgresError {
            throw DataError(message: error.description)
        }
    }
}

extension FinOps.DB {
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the schema migrations the database lacks (safe to run from several processes at once)."
        )

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await database.withConnection { connection in
                let migrator = PostgresMigrator()
                let applied = try await migrator.migrate(connection)
                let endpoint = await connection.endpoint
                for migration in applied {
                    print("Applied migration \(migration.version): \(migration.name).")
                }
                let version = try await migrator.status(connection).currentVersion
                print(
                    applied.isEmpty
                        ? "\(endpoint) is up to date at schema version \(version)."
                        : "\(endpoint) is now at schema version \(version)."
                )
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which schema migrations the database has and which it lacks.",
            discussion: "Exits with code 1 unless the database has exactly this build's migrations."
        )

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let upToDate = try await database.withConnection { connection in
                let status = try await PostgresMigrator().status(connection)
                let endpoint = await connection.endpoint
                print("\(endpoint): schema version \(status.currentVersion) of \(status.latestVersion).")
                for migration in status.applied {
                    var line = "  \(migration.version)  \(migration.name)  applied \(migration.appliedAt)"
                    if status.modified.contains(migration) { line += "  (differs from this build's migration)" }
                    if status.unknown.contains(migration) { line += "  (unknown to this build)" }
                    print(line)
                }
                for migration in status.pending { print("  \(migration.version)  \(migration.name)  pending") }
                if !status.pending.isEmpty { print("Run `finops db migrate` to apply the pending migrations.") }
                return status.isUpToDate
            }
            if !upToDate { throw ExitCode(1) }
        }
    }
}
