import FinOpsCore
import Foundation

/// One load into a ``PostgresCostStore``, inside the transaction of its connection.
///
/// Rows stream to the server through one `COPY finops.cost_rows … FROM STDIN` in text format, encoded in chunks of
/// ``chunkSize`` bytes with one chunk in flight while the next is encoded, so memory stays bounded by a batch and two
/// chunks. The first time a billing period appears, the COPY pauses: the period's partition is created if needed
/// (on another connection, see ``PostgresCostStore``), the (source, period) is locked against other loads, and its old
/// rows are deleted (invisible to others until the commit); then the COPY resumes.
final class PostgresLoad: CostBatchWriter {
    struct Stage {
        var rowCount = 0
        var totals: CostTotalsBuilder
        var crc = CRC32.initial
        var columns: [StoredColumn] = []
        /// The escaped source and billing period fields that start each of its rows.
        var prefix: [UInt8]
    }

    /// Where the rows of one COPY came from, to name a row the server rejects.
    private struct Run {
        var firstLine: Int
        var count: Int
        var period: BillingPeriod
        var firstPosition: Int
        var firstLoadRow: Int
    }

    static let chunkSize = 1 << 19

    private let store: PostgresCostStore
    private let connection: PostgresConnection
    let source: String
    private let escapedSource: [UInt8]
    private(set) var stages: [BillingPeriod: Stage] = [:]
    private var copying = false
    private var buffer: [UInt8] = []
    private var runs: [Run] = []
    private var linesInCopy = 0
    private var rowsWritten = 0
    private var inFlight: Task<Void, any Error>?

    init(store: PostgresCostStore, connection: PostgresConnection, source: String) throws(CostStoreError) {
        self.store = store
        self.connection = connection
        self.source = source
        var escaped: [UInt8] = []
        guard CopyText.appendEscaped(source.utf8, to: &escaped) else {
            throw CostStoreError(.io, "the source name \(JSONString.quoted(source)) contains a NUL character")
        }
        escapedSource = escaped
        buffer.reserveCapacity(Self.chunkSize + 1 << 16)
    }

    /// What the errors of this load say it was doing.
    var what: String { "loading source \(JSONString.quoted(source))" }

    func write(_ table: CostTable) async throws {
        guard table.rowCount > 0 else { return }
        for column in ["BillingPeriodStart", "BillingPeriodEnd"] where table.timestamps(column) == nil {
            throw CostStoreError(.missingColumn, "rows for source \(source) have no \(column) column")
        }
        guard table.strings("BillingCurrency") != nil else {
            throw CostStoreError(.missingColumn, "rows for source \(source) have no BillingCurrency column")
        }
        let encoder = try BatchEncoder(table)
        let groups = try partition(table)
        for (period, _) in groups where stages[period] == nil { try await prepare(period) }
        if !copying {
            try await run("starting the COPY") { try await $0.beginCopyIn(CostRowLayout.copyStatement) }
            copying = true
            linesInCopy = 0
            runs = []
        }
        for (period, rows) in groups {
            var stage = stages[period]!
            for column in encoder.columns where !stage.columns.contains(column) { stage.columns.append(column) }
            try stage.totals.add(table, rows: rows)
            runs.append(
                Run(
                    firstLine: linesInCopy + 1,
                    count: rows?.count ?? table.rowCount,
                    period: period,
                    firstPosition: stage.rowCount + 1,
                    firstLoadRow: rowsWritten + 1
                )
            )
            for index in 0..<(rows?.count ?? table.rowCount) {
                let row = rows?[index] ?? index
                buffer += stage.prefix
                let body = buffer.count
                do {
                    try encoder.encode(row: row, position: stage.rowCount + 1, into: &buffer)
                } catch {
                    throw CostStoreError(
                        .io,
                        "\(what), period \(period): row \(stage.rowCount + 1) of the period (row \(rowsWritten + 1) "
                            + "of the load), column \(error.column): \(error.reason); the stored data is unchanged"
                    )
                }
                stage.crc = buffer[body...].withUnsafeBufferPointer { CRC32.update(stage.crc, $0) }
                stage.rowCount += 1
                rowsWritten += 1
                linesInCopy += 1
                if buffer.count >= Self.chunkSize { try await flush() }
            }
            stages[period] = stage
        }
    }

    /// Ends the COPY and records every period in the manifest; the caller commits.
    func finish() async throws -> [PeriodSummary] {
        try await endCopy()
        var summaries: [PeriodSummary] = []
        for (period, stage) in stages.sorted(by: { $0.key < $1.key }) {
            let totals = stage.totals.totals
            let checksum = Self.checksum(crc: stage.crc, columns: stage.columns)
            let loadedAt = try await run("recording period \(period) in the manifest") { connection in
                try await connection.query(
                    """
                    INSERT INTO \(CostSchema.manifestTable) AS m (source, billing_period, billing_period_start,
                        billing_period_end, row_count, totals, checksum, columns, loaded_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
                    ON CONFLICT (source, billing_period_start, billing_period_end) DO UPDATE SET
                        billing_period = EXCLUDED.billing_period, row_count = EXCLUDED.row_count,
                        totals = EXCLUDED.totals, checksum = EXCLUDED.checksum, columns = EXCLUDED.columns,
                        loaded_at = EXCLUDED.loaded_at
                    RETURNING loaded_at
                    """,
                    [
                        .text(source), .date(period.start), .timestamp(period.start), .timestamp(period.end),
                        .integer(stage.rowCount), .jsonb(totalsJSON(totals)), .text(checksum),
                        .jsonb(StoredColumn.json(stage.columns)),
                    ]
                )[0].decode(0, as: Timestamp.self)
            }
            summaries.append(
                PeriodSummary(
                    source: source,
                    period: period,
                    rowCount: stage.rowCount,
                    totals: totals,
                    checksum: checksum,
                    loadedAt: loadedAt
                )
            )
        }
        return summaries
    }

    /// Abandons the COPY (the caller rolls back).
    func abort() async {
        _ = try? await inFlight?.value
        inFlight = nil
        if copying {
            copying = false
            await connection.abortCopyIn("the load was abandoned")
        }
    }

    /// The checksum of a period: CRC-32 of its rows as COPY text (without source and period), then its column list.
    static func checksum(crc: UInt, columns: [StoredColumn]) -> String {
        let header = Array(StoredColumn.json(columns).utf8)
        return CRC32.hex(header.withUnsafeBufferPointer { CRC32.update(crc, $0) })
    }

    // MARK: - Steps

    /// Readies a period the load meets for the first time: partition, lock, old rows deleted.
    private func prepare(_ period: BillingPeriod) async throws {
        try await endCopy()
        var prefix = escapedSource
        prefix.append(CopyText.tab)
        prefix += Array(PostgresCostStore.day(period).utf8)
        prefix.append(CopyText.tab)
        try await store.ensurePartition(for: period, using: connection)
        try await run("replacing period \(period)") { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, $2))",
                [.text(source), .integer(Int(period.start.microsecondsSinceEpoch))]
            )
            try await connection.query(
                """
                DELETE FROM \(CostSchema.costTable) WHERE billing_period = $1 AND source = $2
                    AND billing_period_start = $3 AND billing_period_end = $4
                """,
                [.date(period.start), .text(source), .timestamp(period.start), .timestamp(period.end)]
            )
        }
        stages[period] = Stage(totals: CostTotalsBuilder(source: source), prefix: prefix)
    }

    private func flush() async throws {
        let chunk = buffer
        buffer.removeAll(keepingCapacity: true)
        let previous = inFlight
        inFlight = nil
        do {
            try await previous?.value
        } catch let error as PostgresError {
            throw describe(error)
        }
        let connection = self.connection
        inFlight = Task { try await connection.putCopyData(chunk) }
    }

    private func endCopy() async throws {
        guard copying else { return }
        if !buffer.isEmpty { try await flush() }
        let last = inFlight
        inFlight = nil
        do {
            try await last?.value
            copying = false
            try await connection.endCopyIn()
        } catch let error as PostgresError {
            copying = false
            throw describe(error)
        }
    }

    /// Runs a step on the connection, describing a database failure as a store error.
    private func run<T: Sendable>(
        _ step: String,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await body(connection)
        } catch let error as PostgresError {
            throw CostStoreError(.io, "\(what): \(step): \(error); the stored data is unchanged")
        }
    }

    /// A COPY failure, naming the row the server rejected when it says which.
    private func describe(_ error: PostgresError) -> CostStoreError {
        if error.code == .connectionLost || error.code == .connectionClosed {
            let periods = stages.keys.sorted().map(\.description).joined(separator: ", ")
            return CostStoreError(
                .io,
                "\(what) (periods \(periods), \(rowsWritten) rows written): lost the connection: \(error.message); "
                    + "the stored data is unchanged"
            )
        }
        var location = ""
        if let line = Self.copyLine(error.context), let run = runs.last(where: { $0.firstLine <= line }),
            line < run.firstLine + run.count
        {
            let offset = line - run.firstLine
            location =
                ", period \(run.period): row \(run.firstPosition + offset) of the period (row "
                + "\(run.firstLoadRow + offset) of the load)"
        }
        var message = "\(what)\(location): the server rejected the rows: \(error.message)"
        if let sqlState = error.sqlState { message += " (SQLSTATE \(sqlState))" }
        if let context = error.context { message += " [\(context)]" }
        return CostStoreError(.io, message + "; the stored data is unchanged")
    }

    /// The line number of a COPY error context: `COPY cost_rows, line 3, column …`.
    static func copyLine(_ context: String?) -> Int? {
        guard let context, let range = context.range(of: ", line ") else { return nil }
        return Int(context[range.upperBound...].prefix { $0.isNumber })
    }

    /// The rows of each period; `nil` rows when the whole table is one period.
    private func partition(_ table: CostTable) throws(CostStoreError) -> [(BillingPeriod, [Int]?)] {
        let starts = table.timestamps("BillingPeriodStart")!
        let ends = table.timestamps("BillingPeriodEnd")!
        for row in 0..<table.rowCount where starts[row] == nil || ends[row] == nil {
            throw CostStoreError(.periodMismatch, "row \(row + 1) for source \(source) has no billing period")
        }
        func period(_ row: Int) -> BillingPeriod {
            BillingPeriod(
                start: Timestamp(microsecondsSinceEpoch: starts.values[row]),
                end: Timestamp(microsecondsSinceEpoch: ends.values[row])
            )
        }
        let first = (starts.values[0], ends.values[0])
        if (1..<table.rowCount).allSatisfy({ starts.values[$0] == first.0 && ends.values[$0] == first.1 }) {
            return [(period(0), nil)]
        }
        var groups: [BillingPeriod: [Int]] = [:]
        var order: [BillingPeriod] = []
        for row in 0..<table.rowCount {
            let key = period(row)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(row)
        }
        return order.map { ($0, groups[$0]) }
    }
}

/// `[{"currency":"USD","row_count":3,"billed_cost":1.5,…}]`: amounts as exact JSON numbers.
func totalsJSON(_ totals: [CurrencyTotals]) -> String {
    let entries = totals.map { entry in
        "{\"currency\":\(JSONString.quoted(entry.currency)),\"row_count\":\(entry.rowCount),"
            + "\"billed_cost\":\(entry.billedCost),\"effective_cost\":\(entry.effectiveCost),"
            + "\"list_cost\":\(entry.listCost),\"contracted_cost\":\(entry.contractedCost)}"
    }
    return "[" + entries.joined(separator: ",") + "]"
}

/// Reads ``totalsJSON(_:)`` back.
func parseTotals(_ text: String) throws -> [CurrencyTotals] {
    guard case .array(let elements, _) = try JSONText.parse(text) else { throw JSONTextError(offset: 0) }
    return try elements.map { element in
        guard case .object(let members, _) = element else { throw JSONTextError(offset: 0) }
        var fields: [String: JSONText] = [:]
        for member in members { fields[member.key] = member.value }
        func decimal(_ key: String) throws -> ExactDecimal {
            guard case .number(let text)? = fields[key] else { throw JSONTextError(offset: 0) }
            return try ExactDecimal.parse(text)
        }
        guard let currency = fields["currency"]?.string, case .number(let rows)? = fields["row_count"],
            let rowCount = Int(rows)
        else { throw JSONTextError(offset: 0) }
        var totals = CurrencyTotals(currency: currency)
        totals.rowCount = rowCount
        totals.billedCost = try decimal("billed_cost")
        totals.effectiveCost = try decimal("effective_cost")
        totals.listCost = try decimal("list_cost")
        totals.contractedCost = try decimal("contracted_cost")
        return totals
    }
}
