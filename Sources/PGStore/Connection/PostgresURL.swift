import Foundation

/// Finds the PostgreSQL server a command works on.
public enum PostgresURL {
    /// Whether a store location (`--store`, `FINOPS_STORE`) names a PostgreSQL server rather than a directory.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// The conninfo to use: the option if given, else `FINOPS_STORE` when it is a `postgres://` URL.
    ///
    /// - Throws: ``PostgresError`` with ``PostgresError/Code/misuse`` when neither names a server.
    public static func resolve(
        option: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(PostgresError) -> String {
        if let option, !option.isEmpty { return option }
        if let store = environment["FINOPS_STORE"], isPostgres(store) { return store }
        throw PostgresError(
            .misuse,
            operation: "choosing the database",
            message: "no server given: pass --url postgres://… or set FINOPS_STORE to a postgres:// URL"
        )
    }
}
