import FlowEngine
import Foundation
import GRDB

/// Executions and claimed schedule ticks in a SQLite file (through GRDB, in WAL mode): the embedded default, beside
/// the embedded cost store. Several processes on one machine may share the file; a tick's claim is a row that only
/// one insert creates.
///
/// GRDB runs every statement on its own dispatch queues, never on the cooperative pool.
public final class SQLiteExecutionStore: ExecutionStore {
    private let database: DatabasePool
    /// The file.
    public let url: URL

    /// Opens (creating and migrating) the history in `url`.
    public init(url: URL) throws(ExecutionStoreError) {
        self.url = url
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            database = try DatabasePool(path: url.path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw ExecutionStoreError("\(url.path): cannot open the execution history (\(error))")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("1: executions and schedule ticks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE executions (
                        id TEXT PRIMARY KEY,
                        namespace TEXT NOT NULL,
                        flow_id TEXT NOT NULL,
                        state TEXT NOT NULL,
                        start_date DOUBLE NOT NULL,
                        end_date DOUBLE,
                        heartbeat DOUBLE,
                        owner TEXT,
                        document TEXT NOT NULL
                    );
                    CREATE INDEX executions_by_start ON executions (start_date DESC);
                    CREATE TABLE schedule_ticks (
                        namespace TEXT NOT NULL,
                        flow_id TEXT NOT NULL,
                        trigger_id TEXT NOT NULL,
                        tick_ms INTEGER NOT NULL,
                        execution_id TEXT NOT NULL,
                        PRIMARY KEY (namespace, flow_id, trigger_id, tick_ms)
                    );
                    """
            )
        }
        return migrator
    }

    public func save(_ record: ExecutionRecord) async throws {
        let document = record.document.json
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO executions (id, namespace, flow_id, state, start_date, end_date, document)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET state = excluded.state, end_date = excluded.end_date,
                        document = excluded.document
                    """,
                arguments: [
                    record.id, record.namespace, record.flowId, record.state.rawValue,
                    record.startDate.timeIntervalSince1970, record.endDate?.timeIntervalSince1970, document,
                ]
            )
        }
    }

    public func record(_ id: String) async throws -> ExecutionRecord? {
        let document = try await read { db in
            try String.fetchOne(db, sql: "SELECT document FROM executions WHERE id = ?", arguments: [id])
        }
        return try document.map { try ExecutionRecord(json: $0) }
    }

    public func list(flow: String?, state: TaskState?, limit: Int) async throws -> [ExecutionRecord] {
        var sql = "SELECT document FROM executions WHERE 1 = 1"
        var arguments: StatementArguments = []
        if let flow {
            sql += " AND (flow_id = ? OR namespace || '.' || flow_id = ?)"
            arguments += [flow, flow]
        }
        if let state {
            sql += " AND state = ?"
            arguments += [state.rawValue]
        }
        sql += " ORDER BY start_date DESC, id LIMIT ?"
        arguments += [max(0, limit)]
        let query = sql
        let values = arguments
        let documents = try await read { db in try String.fetchAll(db, sql: query, arguments: values) }
        return try documents.map { try ExecutionRecord(json: $0) }
    }

    public func claim(_ tick: ScheduleTick, executionId: String) async throws -> Bool {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO schedule_ticks (namespace, flow_id, trigger_id, tick_ms, execution_id)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [tick.namespace, tick.flowId, tick.triggerId, tick.milliseconds, executionId]
            )
            return db.changesCount == 1
        }
    }

    public func lastClaimedTick(namespace: String, flowId: String, triggerId: String) async throws -> Date? {
        let milliseconds = try await read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT max(tick_ms) FROM schedule_ticks WHERE namespace = ? AND flow_id = ? AND trigger_id = ?
                    """,
                arguments: [namespace, flowId, triggerId]
            )
        }
        return milliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }

    public func failAbandoned(heartbeatBefore deadline: Date, reason: String) async throws -> [String] {
        try await write { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, document FROM executions
                    WHERE end_date IS NULL AND coalesce(heartbeat, start_date) < ?
                    """,
                arguments: [deadline.timeIntervalSince1970]
            )
            var marked: [String] = []
            for row in rows {
                let id: String = row["id"]
                var record = try ExecutionRecord(json: row["document"])
                record.fail([reason])
                try db.execute(
                    sql: "UPDATE executions SET state = ?, end_date = ?, document = ? WHERE id = ?",
                    arguments: [
                        record.state.rawValue, record.endDate?.timeIntervalSince1970, record.document.json, id,
                    ]
                )
                marked.append(id)
            }
            return marked
        }
    }

    public func heartbeat(_ ids: [String], owner: String, at date: Date) async throws {
        try await write { db in
            for id in ids {
                try db.execute(
                    sql: "UPDATE executions SET heartbeat = ?, owner = ? WHERE id = ?",
                    arguments: [date.timeIntervalSince1970, owner, id]
                )
            }
        }
    }

    public func close() async {
        try? database.close()
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.read(body)
        } catch let error as ExecutionStoreError {
            throw error
        } catch {
            throw ExecutionStoreError("\(url.path): \(error)")
        }
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.write(body)
        } catch let error as ExecutionStoreError {
            throw error
        } catch {
            throw ExecutionStoreError("\(url.path): \(error)")
        }
    }
}

extension ExecutionStoreOpener {
    /// Local locations are directories (an embedded cost store's): the history is `executions.sqlite` inside.
    public static var embedded: ExecutionStoreOpener {
        ExecutionStoreOpener { directory in
            try SQLiteExecutionStore(url: URL(fileURLWithPath: directory).appendingPathComponent("executions.sqlite"))
        }
    }
}
