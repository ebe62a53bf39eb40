import Foundation

/// Finds the PostgreSQL server a command works on.
public enum PostgresURL {
    /// Whether a store location (`--store`, `FINOPS_STORE`) names a PostgreSQL server rather than a directory.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// The libpq environment variables that name a server or database on their own.
    public static let serverVariables = ["PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE"]

    /// The conninfo to use: the option if given, else `FINOPS_STORE` when it is a `postgres://` URL, else `""`
    /// (libpq's environment) when a `PG*` variable names a server or database.
    ///
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/misuse`` when none of them names a server.
    public static func resolve(
        option: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PostgresError) -> String {
        if let option, !option.isEmpty { return option }
        if let store = environment["FINOPS_STORE"], isPostgres(store) { return store }
        if serverVariables.contains(where: { environment[$0]?.isEmpty == false }) { return "" }
        throw PostgresError(
            .misuse,
            operation: "choosing the database",
            message: "no server given: pass --url postgres://…, set FINOPS_STORE to a postgres:// URL, or set PGHOST"
        )
    }
}
