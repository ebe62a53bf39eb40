import FinOpsCore

/// The shared store: cost rows in PostgreSQL (`finops.cost_rows`, one partition per billing period) with the
/// ingest manifest (`finops.ingest_manifest`), in the layout of ``CostSchema``.
///
/// ```swift
/// let store = try await PostgresCostStore.open("postgres://finops@db.internal/finops")
/// let report = try await FocusIngest().ingest(files: ["export.csv"], into: store)
/// let january = try await store.read(CostFilter(until: Timestamp("2024-02-01")))
/// let byService = try await store.pivot(PivotQuery(rows: [.column("ServiceName")], measures: [.count]))
/// ```
///
/// **Loading.** ``replace(source:_:)`` runs in one transaction on a connection of its own (not the pool's, so loads
/// nested in one another, as `FocusIngest` nests one per source, never wait for each other). Rows stream through
/// `COPY … FROM STDIN` in text format (exact `numeric`), a chunk at a time. Each billing period the rows touch gets
/// its partition (created and attached in a short transaction on another connection, so readers are never
/// blocked), an advisory lock on (source, period) that orders concurrent loads of it, and its old rows deleted;
/// the manifest rows (row count, exact totals per currency, checksum, columns) are written in the same
/// transaction. Readers see the old data or the new, never a mix or a duplicate; a rejected row, a lost
/// connection or a killed process leaves the old data, because the transaction never commits.
///
/// **Reading.** ``periods()`` reads the manifest; ``read(_:)`` reads the matching periods in one repeatable-read
/// snapshot, each in its load's row order, through `COPY … TO STDOUT`, and gives back exactly the table that was
/// stored: columns, decimals, instants, tags (key order and repeated keys kept), extra columns and nulls.
///
/// Every failure is a `CostStoreError` whose message names the source, the period and, for a rejected row, its
/// position; database failures have the code `io` and carry the server's message and SQLSTATE.
public struct PostgresCostStore: CostStore {
    /// The pool reads use; loads open their own connections to the same server.
    public let pool: PostgresPool

    /// A store on a pool's server. The schema must be migrated (see ``open(_:configuration:migrate:)``).
    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Opens a store: connects once to check the server, and applies the schema migrations it lacks (or, with
    /// `migrate: false`, fails unless it has them all).
    ///
    /// - Parameter conninfo: a `postgres://` URL or key/value conninfo (see ``PostgresConnection/connect(_:applicationName:)``).
    /// - Throws: `CostStoreError` (`io`) naming the server and what failed.
    public static func open(
        _ conninfo: String,
        configuration: PostgresPool.Configuration = PostgresPool.Configuration(),
        migrate: Bool = true
    ) async throws -> PostgresCostStore {
        let pool = PostgresPool(conninfo: conninfo, configuration: configuration)
        do {
            try await pool.withConnection { connection in
                let migrator = PostgresMigrator()
                if migrate {
                    try await migrator.migrate(connection)
                } else {
                    let status = try await migrator.status(connection)
                    guard status.isUpToDate else {
                        let endpoint = await connection.endpoint
                        throw CostStoreError(
                            .schemaOutdated,
                            "\(endpoint) has schema version \(status.currentVersion), this build needs "
                                + "\(status.latestVersion): apply the migrations (PostgresMigrator.migrate)"
                        )
                    }
                }
            }
        } catch let error as PostgresError {
            await pool.close()
            throw CostStoreError(.io, "cannot open the PostgreSQL store: \(error)")
        } catch {
            await pool.close()
            throw error
        }
        return PostgresCostStore(pool: pool)
    }

    /// Closes the pool's connections.
    public func close() async {
        await pool.close()
    }

    // MARK: - CostStore

    public func replace(
        source: String,
        _ body: (any CostBatchWriter) async throws -> Void
    ) async throws -> [PeriodSummary] {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                pool.conninfo,
                applicationName: pool.configuration.applicationName
            )
        } catch let error as PostgresError {
            throw CostStoreError(.io, "loading source \(JSONString.quoted(source)): \(error)")
        }
        defer { Task { await connection.close() } }
        let load = try PostgresLoad(store: self, connection: connection, source: source)
        do {
            return try await connection.transaction { _ in
                do {
                    try await body(load)
                    return try await load.finish()
                } catch {
                    await load.abort()
                    throw error
                }
            }
        } catch let error as PostgresError {
            throw CostStoreError(.io, "\(load.what): \(error); the stored data is unchanged")
        }
    }

    public func periods() async throws -> [PeriodSummary] {
        try await withReadSnapshot("listing the stored periods") { connection in
            try await manifest(connection).map(\.summary)
        }
    }

    public func read(_ filter: CostFilter) async throws -> CostTable {
        try await withReadSnapshot("reading stored rows") { connection in
            let builder = CostTable.Builder()
            for entry in try await manifest(connection)
            where filter.includes(source: entry.summary.source, period: entry.summary.period) {
                builder.append(try await rows(of: entry, columns: filter, connection))
            }
            return builder.build()
        }
    }

    /// Reads every stored period back and checks its row count, totals and checksum against the manifest.
    ///
    /// - Returns: The periods checked.
    /// - Throws: `CostStoreError` (`corrupt`) naming the first period that does not match.
    @discardableResult
    public func verify() async throws -> [PeriodSummary] {
        try await withReadSnapshot("verifying the stored periods") { connection in
            let entries = try await manifest(connection)
            for entry in entries {
                let summary = entry.summary
                let table = try await rows(of: entry, connection)
                let name = "source \(JSONString.quoted(summary.source)) period \(summary.period)"
                try summary.check(table, name: name)
                var crc = CRC32.initial
                if table.rowCount > 0 {
                    let encoder = try BatchEncoder(table)
                    var buffer: [UInt8] = []
                    for row in 0..<table.rowCount {
                        try encoder.encode(row: row, position: row + 1, into: &buffer)
                        if buffer.count > 1 << 20 || row == table.rowCount - 1 {
                            crc = buffer.withUnsafeBufferPointer { CRC32.update(crc, $0) }
                            buffer.removeAll(keepingCapacity: true)
                        }
                    }
                }
                let checksum = PostgresLoad.checksum(crc: crc, columns: entry.columns)
                guard checksum == summary.checksum else {
                    throw CostStoreError(
                        .corrupt,
                        "\(name): the stored rows have checksum \(checksum), the manifest recorded \(summary.checksum)"
                    )
                }
            }
            return entries.map(\.summary)
        }
    }

    // MARK: - Reading

    struct ManifestEntry {
        var summary: PeriodSummary
        var columns: [StoredColumn]
    }

    /// Runs `body` in a read-only repeatable-read transaction, so everything it reads is one snapshot.
    private func withReadSnapshot<T: Sendable>(
        _ what: String,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await pool.withConnection { connection in
                try await connection.transaction { connection in
                    try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    return try await body(connection)
                }
            }
        } catch let error as PostgresError {
            if error.sqlState == PostgresError.SQLState.undefinedTable {
                throw CostStoreError(
                    .schemaOutdated,
                    "\(what): \(error)\nthe database lacks the store's schema: apply the migrations "
                        + "(PostgresMigrator.migrate)"
                )
            }
            throw CostStoreError(.io, "\(what): \(error)")
        }
    }

    /// The manifest, sorted by period then source.
    private func manifest(_ connection: PostgresConnection) async throws -> [ManifestEntry] {
        let rows = try await connection.query(
            """
            SELECT source, billing_period_start, billing_period_end, row_count, totals::text, checksum, loaded_at,
                columns::text
            FROM \(CostSchema.manifestTable)
            """
        )
        var entries: [ManifestEntry] = []
        for row in rows {
            let (source, start, end, rowCount, totals, checksum, loadedAt, columns) = try row.decode(
                (String, Timestamp, Timestamp, Int, String, String, Timestamp, String).self
            )
            let period = BillingPeriod(start: start, end: end)
            do {
                entries.append(
                    ManifestEntry(
                        summary: PeriodSummary(
                            source: source,
                            period: period,
                            rowCount: rowCount,
                            totals: try parseTotals(totals),
                            checksum: checksum,
                            loadedAt: loadedAt
                        ),
                        columns: try StoredColumn.parse(json: columns)
                    )
                )
            } catch {
                throw CostStoreError(
                    .corrupt,
                    "the manifest entry of source \(JSONString.quoted(source)) period \(period) cannot be read: \(error)"
                )
            }
        }
        return entries.sorted { ($0.summary.period, $0.summary.source) < ($1.summary.period, $1.summary.source) }
    }

    /// The rows of one (source, period), in their load's order.
    private func rows(
        of entry: ManifestEntry,
        columns filter: CostFilter = .all,
        _ connection: PostgresConnection
    ) async throws -> CostTable {
        let columns = entry.columns.filter { filter.includes(column: $0.name) }
        guard !columns.isEmpty else {
            // No column wanted: only the row count.
            return CostTable(rowCount: entry.summary.rowCount, columns: [])
        }
        var decoder = CostRowDecoder(columns: columns)
        let period = entry.summary.period
        // COPY takes no parameters: every value spliced here is formatted by this code (dates, instants) or
        // hex-encoded (the source).
        let sql = """
            COPY (SELECT \(CostRowDecoder.selectList(columns).joined(separator: ", "))
            FROM \(CostSchema.costTable)
            WHERE billing_period = '\(Self.day(period))' AND source = \(CopyText.hexLiteral(entry.summary.source))
                AND billing_period_start = '\(period.start)' AND billing_period_end = '\(period.end)'
            ORDER BY row_position) TO STDOUT
            """
        try await connection.beginCopyOut(sql)
        while let chunk = try await connection.readCopyData() { try decoder.append(chunk) }
        return decoder.table()
    }

    // MARK: - Partitions

    /// The `billing_period` partition key of a period: the UTC day it starts on.
    static func day(_ period: BillingPeriod) -> String {
        String(period.start.description.prefix { $0 != "T" })
    }

    /// Creates the partition of a period if it does not exist.
    ///
    /// `CREATE TABLE … PARTITION OF` would lock the whole cost table against readers until the load commits, and
    /// wait for every transaction using it, the load's own included. So a missing partition is created as a plain
    /// table and attached (`ATTACH PARTITION` only takes a SHARE UPDATE EXCLUSIVE lock, which readers and loads do
    /// not conflict with) in a short transaction on a second connection, under an advisory lock per partition.
    func ensurePartition(for period: BillingPeriod, using connection: PostgresConnection) async throws {
        let name = "\(CostSchema.schema).\(CostSchema.quoted(CostSchema.partitionName(for: period)))"
        let exists = { (connection: PostgresConnection) async throws -> Bool in
            try await connection.query("SELECT to_regclass($1) IS NOT NULL", [.text(name)])[0].decode(0, as: Bool.self)
        }
        do {
            if try await exists(connection) { return }
            let creator = try await PostgresConnection.connect(
                pool.conninfo,
                applicationName: pool.configuration.applicationName
            )
            defer { Task { await creator.close() } }
            try await creator.transaction { creator in
                try await creator.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
                    [.text("finops partition " + name)]
                )
                if try await exists(creator) { return }
                try await creator.query(
                    "CREATE TABLE \(name) (LIKE \(CostSchema.costTable) INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                )
                try await creator.query(
                    "ALTER TABLE \(CostSchema.costTable) ATTACH PARTITION \(name) FOR VALUES IN ('\(Self.day(period))')"
                )
            }
        } catch let error as PostgresError {
            throw CostStoreError(.io, "creating the partition of period \(period): \(error)")
        }
    }
}
