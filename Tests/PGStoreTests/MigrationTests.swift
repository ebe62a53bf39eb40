import FinOpsCore
import PGStore
import Testing

@Suite("Migrations", .postgres)
struct MigrationTests {
    @Test("migrate creates the schema once; running it again changes nothing")
    func idempotent() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let connection = try await PostgresConnection.connect(conninfo)
            let migrator = PostgresMigrator()
            let before = try await migrator.status(connection)
            #expect(before.currentVersion == 0)
            #expect(before.pending.count == Migration.all.count)

            let first = try await migrator.migrate(connection)
            #expect(first.map(\.version) == Migration.all.map(\.version))
            let second = try await migrator.migrate(connection)
            #expect(second.isEmpty)

            let status = try await migrator.status(connection)
            #expect(status.isUpToDate)
            #expect(status.currentVersion == migrator.latestVersion)
            #expect(status.applied.map(\.checksum) == Migration.all.map(\.checksum))
            let tables = try await connection.query(
                """
                SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'finops' AND c.relkind IN ('r', 'p') ORDER BY 1
                """
            ).map { try $0.decode((String, String).self) }
            #expect(
                tables.map(\.0) == [
                    "cost_rows", "executions", "ingest_manifest", "schedule_ticks", "schema_migrations",
                ]
            )
            #expect(tables.first?.1 == "p")
            await connection.close()
        }
    }

    @Test("two connections migrating at once apply each migration exactly once")
    func concurrent() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let migrator = PostgresMigrator()
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let connection = try await PostgresConnection.connect(conninfo)
                        let applied = try await migrator.migrate(connection)
                        await connection.close()
                        return applied.map(\.version)
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(applied.sorted() == Migration.all.map(\.version))
            let connection = try await PostgresConnection.connect(conninfo)
            let rows = try await connection.query(
                "SELECT count(*), count(DISTINCT version) FROM finops.schema_migrations"
            )
            #expect(try rows[0].decode((Int, Int).self) == (Migration.all.count, Migration.all.count))
            await connection.close()
        }
    }

    @Test("the cost table has every FOCUS 1.2 column in snake_case with its exact type")
    func costTableColumns() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let connection = try await PostgresConnection.connect(conninfo)
            try await PostgresMigrator().migrate(connection)
            let columns = try await connection.query(
                """
                SELECT column_name, data_type, is_nullable FROM information_schema.columns
                WHERE table_schema = 'finops' AND table_name = 'cost_rows' ORDER BY ordinal_position
                """
            ).map { try $0.decode((String, String, String).self) }
            let expected: [(String, String)] =
                [("source", "text"), ("billing_period", "date")]
                + FocusSchema.columns.map { column in
                    let type: String
                    switch column.dataType {
                    case .decimal: type = "numeric"
                    case .dateTime: type = "timestamp with time zone"
                    case .tags: type = "jsonb"
                    case .string, .keyValue: type = "text"
                    }
                    return (CostSchema.columnName(column.name), type)
                }
                + [("extra", "jsonb"), ("row_position", "bigint"), ("tags_text", "text")]
            #expect(columns.map(\.0) == expected.map(\.0))
            #expect(columns.map(\.1) == expected.map(\.1))
            #expect(columns.filter { $0.2 == "NO" }.map(\.0) == ["source", "billing_period"])
            #expect(columns.count == FocusSchema.columns.count + 5)
            #expect(columns.contains { $0.0 == "pricing_currency_contracted_unit_price" })
            #expect(columns.contains { $0.0 == "tags" && $0.1 == "jsonb" })

            // The tags index is a GIN index, and there is no unique constraint that would stop distributing the
            // table by billing account.
            let indexes = try await connection.query(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'finops' AND tablename = 'cost_rows'"
            ).map { try $0.decode(0, as: String.self) }
            #expect(indexes.contains { $0.contains("USING gin (tags)") })
            let unique = try await connection.query(
                """
                SELECT count(*) FROM pg_constraint
                WHERE conrelid = 'finops.cost_rows'::regclass AND contype IN ('p', 'u', 'x')
                """
            )
            #expect(try unique[0].decode(0, as: Int.self) == 0)
            await connection.close()
        }
    }

    @Test("partitions are created per billing period on demand, and rows route to them")
    func partitions() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let connection = try await PostgresConnection.connect(conninfo)
            try await PostgresMigrator().migrate(connection)
            let september = try #require(BillingPeriod.month(2024, 9))
            #expect(CostSchema.partitionName(for: september) == "cost_rows_p20240901")
            try await connection.query(CostSchema.partitionDDL(for: september))
            try await connection.query(CostSchema.partitionDDL(for: september))
            try await connection.query(
                """
                INSERT INTO finops.cost_rows (source, billing_period, billed_cost, billing_period_start, tags, extra)
                VALUES ($1, $2, $3, $4, $5, $6)
                """,
                [
                    .text("it's; -- a \\ file.csv"), .date(september.start),
                    .decimal(try .parse("12.000000000000000001")),
                    .timestamp(september.start), .jsonb(#"{"team": "fin'ops", "cost-center": "-- 42"}"#),
                    .jsonb(#"{"x_Note": "ü"}"#),
                ]
            )
            let row = try await connection.query(
                """
                SELECT tableoid::regclass::text, source, billed_cost, tags ->> 'team', extra ->> 'x_Note'
                FROM finops.cost_rows WHERE tags @> $1
                """,
                [.jsonb(#"{"team": "fin'ops"}"#)]
            )
            #expect(row.count == 1)
            let values = try row[0].decode((String, String, ExactDecimal, String, String).self)
            #expect(values.0 == "finops.cost_rows_p20240901")
            #expect(values.1 == "it's; -- a \\ file.csv")
            #expect(values.2 == (try ExactDecimal.parse("12.000000000000000001")))
            #expect(values.3 == "fin'ops")
            #expect(values.4 == "ü")

            let october = try #require(BillingPeriod.month(2024, 10))
            let missing = await #expect(throws: PostgresError.self) {
                try await connection.query(
                    "INSERT INTO finops.cost_rows (source, billing_period) VALUES ('s', $1)",
                    [.date(october.start)]
                )
            }
            #expect(missing?.sqlState == "23514")
            await connection.close()
        }
    }

    @Test("a database migrated by a newer build is refused")
    func newerDatabase() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let connection = try await PostgresConnection.connect(conninfo)
            try await PostgresMigrator().migrate(connection)
            try await connection.query(
                "INSERT INTO finops.schema_migrations (version, name, checksum) VALUES ($1, 'future', 'x')",
                [.integer(Migration.all.count + 1)]
            )
            let error = await #expect(throws: PostgresError.self) { try await PostgresMigrator().migrate(connection) }
            #expect(error?.code == .migration)
            #expect(error?.message.contains("newer") == true)
            let status = try await PostgresMigrator().status(connection)
            #expect(status.unknown.map(\.version) == [Migration.all.count + 1])
            #expect(!status.isUpToDate)
            await connection.close()
        }
    }

    @Test("a failing migration rolls back completely")
    func failingMigration() async throws {
        try await TestDatabase.withScratchDatabase { conninfo in
            let connection = try await PostgresConnection.connect(conninfo)
            let broken = PostgresMigrator(
                migrations: Migration.all + [
                    Migration(
                        version: Migration.all.count + 1,
                        name: "half done",
                        statements: ["CREATE TABLE finops.half_done (id int)", "SELEKT broken"]
                    )
                ]
            )
            let error = await #expect(throws: PostgresError.self) { try await broken.migrate(connection) }
            #expect(error?.description.contains("applying migration \(Migration.all.count + 1) (half done)") == true)
            let status = try await broken.status(connection)
            #expect(status.currentVersion == Migration.all.count)
            #expect(status.pending.map(\.name) == ["half done"])
            let table = try await connection.query("SELECT to_regclass('finops.half_done') IS NULL")
            #expect(try table[0].decode(0, as: Bool.self))
            await connection.close()
        }
    }
}
