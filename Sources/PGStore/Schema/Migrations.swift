/// One forward-only change to the database schema.
public struct Migration: Sendable, Hashable {
    /// The version it brings the schema to; versions start at 1 and have no gaps.
    public var version: Int
    /// What it does, in a few words.
    public var name: String
    /// Its statements, run in order in one transaction.
    public var statements: [String]

    /// Creates a migration.
    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// A checksum of the statements (FNV-1a, 64-bit, hex), stored with the applied version so an edited migration
    /// is noticed.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for statement in statements {
            for byte in statement.utf8 + [0] {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension Migration {
    /// The migrations of this build, in order.
    public static let all: [Migration] = [initialSchema, loadColumns, executions]

    /// 1: the `finops` schema, the cost table partitioned by billing period, and the ingest manifest.
    static let initialSchema = Migration(
        version: 1,
        name: "cost rows and ingest manifest",
        statements: [
            CostSchema.createCostTable,
            "CREATE INDEX cost_rows_tags_idx ON \(CostSchema.costTable) USING gin (tags)",
            "CREATE INDEX cost_rows_source_idx ON \(CostSchema.costTable) (source, billing_period)",
            """
            CREATE TABLE \(CostSchema.manifestTable) (
                source text NOT NULL,
                billing_period date NOT NULL,
                billing_period_start timestamptz NOT NULL,
                billing_period_end timestamptz NOT NULL,
                row_count bigint NOT NULL,
                totals jsonb NOT NULL,
                checksum text NOT NULL,
                loaded_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (source, billing_period_start, billing_period_end)
            )
            """,
            """
            COMMENT ON COLUMN \(CostSchema.manifestTable).totals IS 'Per billing currency, sorted by currency: \
            [{"currency", "row_count", "billed_cost", "effective_cost", "list_cost", "contracted_cost"}], amounts as \
            exact JSON numbers'
            """,
        ]
    )

    /// 2: what the loader needs to give back exactly what it stored: each row's position in its load (reads keep the
    /// order), the Tags JSON as written when `jsonb` would not keep it (key order, repeated keys, number spelling),
    /// and the columns each load had.
    static let loadColumns = Migration(
        version: 2,
        name: "row positions, exact tags and column lists",
        statements: [
            """
            ALTER TABLE \(CostSchema.costTable)
                ADD COLUMN row_position bigint,
                ADD COLUMN tags_text text
            """,
            """
            COMMENT ON COLUMN \(CostSchema.costTable).row_position IS 'The row''s position (1, 2, …) among the rows \
            its load stored for its source and billing period'
            """,
            """
            COMMENT ON COLUMN \(CostSchema.costTable).tags_text IS 'Tags as written, when the jsonb column tags \
            (the value queries use: first of repeated keys, keys reordered) would not give them back exactly'
            """,
            "ALTER TABLE \(CostSchema.manifestTable) ADD COLUMN columns jsonb NOT NULL DEFAULT '[]'",
            """
            COMMENT ON COLUMN \(CostSchema.manifestTable).columns IS 'The columns of the load, in order: \
            [[name, kind]] with kind string, decimal, timestamp or tags'
            """,
        ]
    )

    /// 3: flows' executions (one JSON document each, kept as written by ``FlowEngine/ExecutionRecord``) and the schedule
    /// ticks claimed, one row per tick whoever claims it.
    static let executions = Migration(
        version: 3,
        name: "flow executions and schedule ticks",
        statements: [
            """
            CREATE TABLE finops.executions (
                id text PRIMARY KEY,
                namespace text NOT NULL,
                flow_id text NOT NULL,
                state text NOT NULL,
                start_date timestamptz NOT NULL,
                end_date timestamptz,
                heartbeat timestamptz,
                owner text,
                document text NOT NULL
            )
            """,
            "CREATE INDEX executions_by_start ON finops.executions (start_date DESC)",
            "CREATE INDEX executions_running ON finops.executions (start_date) WHERE end_date IS NULL",
            """
            CREATE TABLE finops.schedule_ticks (
                namespace text NOT NULL,
                flow_id text NOT NULL,
                trigger_id text NOT NULL,
                tick_ms bigint NOT NULL,
                execution_id text NOT NULL,
                claimed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (namespace, flow_id, trigger_id, tick_ms)
            )
            """,
        ]
    )
}
