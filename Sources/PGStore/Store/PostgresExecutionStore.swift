import FinOpsCore
import FlowEngine
import Foundation

/// Executions and claimed schedule ticks in PostgreSQL (migration 3), so that the servers and schedulers of a team
/// share one history and fire each schedule tick once: a tick's claim is the one insert of its row that succeeds.
public final class PostgresExecutionStore: ExecutionStore {
    private let pool: PostgresPool
    private let ownsPool: Bool

    /// A history on a pool's server; the schema must be migrated (``PostgresCostStore/open(_:configuration:migrate:)``
    /// or ``PostgresMigrator``).
    public init(pool: PostgresPool) {
        self.pool = pool
        ownsPool = false
    }

    /// Connects to `url`, applying the migrations the database lacks.
    public static func open(_ url: String) async throws -> PostgresExecutionStore {
        let pool = PostgresPool(conninfo: url)
        do {
            _ = try await pool.withConnection { connection in try await PostgresMigrator().migrate(connection) }
        } catch {
            await pool.close()
            throw error
        }
        return PostgresExecutionStore(pool: pool, ownsPool: true)
    }

    private init(pool: PostgresPool, ownsPool: Bool) {
        self.pool = pool
        self.ownsPool = ownsPool
    }

    public func save(_ record: ExecutionRecord) async throws {
        _ = try await pool.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO finops.executions (id, namespace, flow_id, state, start_date, end_date, document)
                VALUES ($1, $2, $3, $4, to_timestamp($5), to_timestamp($6), $7)
                ON CONFLICT (id) DO UPDATE SET state = excluded.state, end_date = excluded.end_date,
                    document = excluded.document
                """,
                [
                    .text(record.id), .text(record.namespace), .text(record.flowId), .text(record.state.rawValue),
                    .double(record.startDate.timeIntervalSince1970),
                    record.endDate.map { .double($0.timeIntervalSince1970) },
                    .text(record.document.json),
                ]
            )
        }
    }

    public func record(_ id: String) async throws -> ExecutionRecord? {
        let rows = try await pool.withConnection { connection in
            try await connection.query("SELECT document FROM finops.executions WHERE id = $1", [.text(id)])
        }
        guard let row = rows.first else { return nil }
        return try ExecutionRecord(json: try row.decode(0, as: String.self))
    }

    public func list(flow: String?, state: TaskState?, limit: Int) async throws -> [ExecutionRecord] {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT document FROM finops.executions
                WHERE ($1::text IS NULL OR flow_id = $1 OR namespace || '.' || flow_id = $1)
                  AND ($2::text IS NULL OR state = $2)
                ORDER BY start_date DESC, id LIMIT $3
                """,
                [flow.map { .text($0) }, state.map { .text($0.rawValue) }, .integer(max(0, limit))]
            )
        }
        return try rows.map { row in try ExecutionRecord(json: try row.decode(0, as: String.self)) }
    }

    public func claim(_ tick: ScheduleTick, executionId: String) async throws -> Bool {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO finops.schedule_ticks (namespace, flow_id, trigger_id, tick_ms, execution_id)
                VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1
                """,
                [
                    .text(tick.namespace), .text(tick.flowId), .text(tick.triggerId),
                    .integer(Int(tick.milliseconds)), .text(executionId),
                ]
            )
        }
        return rows.count == 1
    }

    public func lastClaimedTick(namespace: String, flowId: String, triggerId: String) async throws -> Date? {
        let rows = try await pool.withConnection { connection in
            try await connection.query(
                """
                SELECT max(tick_ms) FROM finops.schedule_ticks
                WHERE namespace = $1 AND flow_id = $2 AND trigger_id = $3
                """,
                [.text(namespace), .text(flowId), .text(triggerId)]
            )
        }
        guard let milliseconds = try rows.first?.decode(0, as: Int?.self) else { return nil }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    public func failAbandoned(heartbeatBefore deadline: Date, reason: String) async throws -> [String] {
        try await pool.withConnection { connection in
            try await connection.transaction { connection in
                // Rows another scheduler is marking are skipped, not waited for: it marks them.
                let rows = try await connection.query(
                    """
                    SELECT id, document FROM finops.executions
                    WHERE end_date IS NULL AND coalesce(heartbeat, start_date) < to_timestamp($1)
                    FOR UPDATE SKIP LOCKED
                    """,
                    [.double(deadline.timeIntervalSince1970)]
                )
                var marked: [String] = []
                for row in rows {
                    let id = try row.decode(0, as: String.self)
                    var record = try ExecutionRecord(json: try row.decode(1, as: String.self))
                    record.fail([reason])
                    try await connection.query(
                        "UPDATE finops.executions SET state = $1, end_date = now(), document = $2 WHERE id = $3",
                        [.text(record.state.rawValue), .text(record.document.json), .text(id)]
                    )
                    marked.append(id)
                }
                return marked
            }
        }
    }

    public func heartbeat(_ ids: [String], owner: String, at date: Date) async throws {
        guard !ids.isEmpty else { return }
        _ = try await pool.withConnection { connection in
            try await connection.query(
                "UPDATE finops.executions SET heartbeat = to_timestamp($1), owner = $2 WHERE id = ANY($3)",
                [.double(date.timeIntervalSince1970), .text(owner), .textArray(ids)]
            )
        }
    }

    public func close() async {
        if ownsPool { await pool.close() }
    }
}

extension ExecutionStoreOpener {
    /// Opens `postgres://` and `postgresql://` locations as ``PostgresExecutionStore``s.
    public mutating func registerPostgres() {
        for scheme in ["postgres", "postgresql"] {
            register(scheme: scheme) { location in try await PostgresExecutionStore.open(location) }
        }
    }
}
