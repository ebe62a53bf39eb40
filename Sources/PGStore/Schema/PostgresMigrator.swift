import FinOpsCore

/// Applies the schema ``Migration``s to a database, and reports which are applied.
///
/// Migrations are forward-only. Each runs in its own transaction that first takes a transaction-scoped advisory
/// lock (`pg_advisory_xact_lock`), then reads `finops.schema_migrations`, so two processes migrating at once apply
/// each migration exactly once: the second waits, then finds it applied. A failed migration rolls back entirely.
public struct PostgresMigrator: Sendable {
    /// The advisory lock key all migrators share (`"finops"` in ASCII).
    public static let advisoryLockKey = 0x66_69_6e_6f_70_73

    /// The migrations to apply, in version order.
    public let migrations: [Migration]

    /// Creates a migrator for a list of migrations numbered 1, 2, 3, ….
    public init(migrations: [Migration] = Migration.all) {
        for (index, migration) in migrations.enumerated() {
            precondition(migration.version == index + 1, "migration versions must be 1, 2, 3, … without gaps")
        }
        self.migrations = migrations
    }

    /// The highest version this build knows.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Applies the migrations the database lacks.
    ///
    /// - Returns: The migrations applied by this call (empty when the database was up to date).
    /// - Throws: ``PostgresError``: a statement failed (that migration and later ones are not applied), or, with
    ///   ``PostgresError/Code/migration``, the database has versions this build does not know or an applied
    ///   migration differs from this build's.
    @discardableResult
    public func migrate(_ connection: PostgresConnection) async throws -> [Migration] {
        var applied: [Migration] = []
        for migration in migrations {
            let didApply = try await connection.transaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock($1)", [.integer(Self.advisoryLockKey)])
                try await connection.query("CREATE SCHEMA IF NOT EXISTS \(CostSchema.schema)")
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS \(CostSchema.migrationsTable) (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        checksum text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """
                )
                let done = try await appliedMigrations(connection)
                try check(done, operation: "applying migration \(migration.version) (\(migration.name))")
                if done.contains(where: { $0.version == migration.version }) { return false }
                for statement in migration.statements {
                    do {
                        try await connection.query(statement)
                    } catch var error as PostgresError {
                        error.operation =
                            "applying migration \(migration.version) (\(migration.name)): "
                            + error.operation
                        throw error
                    }
                }
                try await connection.query(
                    "INSERT INTO \(CostSchema.migrationsTable) (version, name, checksum) VALUES ($1, $2, $3)",
                    [.integer(migration.version), .text(migration.name), .text(migration.checksum)]
                )
                return true
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    /// What is applied and what is pending, without changing anything.
    public func status(_ connection: PostgresConnection) async throws -> MigrationStatus {
        let exists = try await connection.query(
            "SELECT to_regclass($1) IS NOT NULL",
            [.text(CostSchema.migrationsTable)]
        )
        let applied = try exists[0].decode(0, as: Bool.self) ? try await appliedMigrations(connection) : []
        let versions = Set(applied.map(\.version))
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        return MigrationStatus(
            applied: applied,
            pending: migrations.filter { !versions.contains($0.version) },
            unknown: applied.filter { known[$0.version] == nil },
            modified: applied.filter { done in known[done.version].map { $0.checksum != done.checksum } ?? false },
            latestVersion: latestVersion
        )
    }

    private func appliedMigrations(_ connection: PostgresConnection) async throws -> [AppliedMigration] {
        try await connection.query(
            "SELECT version, name, checksum, applied_at FROM \(CostSchema.migrationsTable) ORDER BY version"
        ).map { row in
            let (version, name, checksum, appliedAt) = try row.decode((Int, String, String, Timestamp).self)
            return AppliedMigration(version: version, name: name, checksum: checksum, appliedAt: appliedAt)
        }
    }

    /// Refuses a database this build must not migrate further.
    private func check(_ applied: [AppliedMigration], operation: String) throws {
        if let newer = applied.first(where: { $0.version > latestVersion }) {
            throw PostgresError(
                .migration,
                operation: operation,
                message: "the database has schema version \(newer.version) (\(newer.name)), newer than this "
                    + "build's \(latestVersion): use a newer finops"
            )
        }
        for done in applied where done.version >= 1 {
            let ours = migrations[done.version - 1]
            if ours.checksum != done.checksum {
                throw PostgresError(
                    .migration,
                    operation: operation,
                    message: "migration \(done.version) (\(done.name)) was applied with other statements "
                        + "(checksum \(done.checksum), this build has \(ours.checksum))",
                    hint: "migrations are forward-only: add a new migration instead of editing an applied one"
                )
            }
        }
    }
}

/// A migration recorded in `finops.schema_migrations`.
public struct AppliedMigration: Sendable, Hashable {
    /// Its version.
    public var version: Int
    /// Its name when it was applied.
    public var name: String
    /// The checksum of its statements when it was applied.
    public var checksum: String
    /// When it was applied.
    public var appliedAt: Timestamp
}

/// Which migrations a database has.
public struct MigrationStatus: Sendable, Hashable {
    /// The applied migrations, by version.
    public var applied: [AppliedMigration]
    /// This build's migrations the database lacks.
    public var pending: [Migration]
    /// Applied versions this build does not know (the database was migrated by a newer build).
    public var unknown: [AppliedMigration]
    /// Applied migrations whose statements differ from this build's.
    public var modified: [AppliedMigration]
    /// The highest version this build knows.
    public var latestVersion: Int

    /// The highest applied version, 0 for an empty database.
    public var currentVersion: Int { applied.last?.version ?? 0 }

    /// Whether the database has exactly this build's migrations.
    public var isUpToDate: Bool { pending.isEmpty && unknown.isEmpty && modified.isEmpty }
}
