import FinOpsCore
import PivotKit

extension PostgresConnection {
    /// Answers a pivot on the server: the query is compiled to one statement with bound parameters, run there, and
    /// its rows are finished exactly as the in-memory executor finishes its groups (averages and percentiles divided
    /// and interpolated exactly, derived measures, HAVING, sort, limit), so both give the same cells.
    ///
    /// - Parameters:
    ///   - scope: the stored periods to answer over (its columns are ignored).
    ///   - table: the cost table's layout.
    /// - Throws: ``PivotKit/PivotError`` for a query that cannot be compiled or read back, ``PostgresError`` from the
    ///   server.
    public func pivot(
        _ query: PivotQuery,
        over scope: CostFilter = .all,
        table: SQLCostTable = CostSchema.pivotTable
    ) async throws -> PivotResult {
        try await pivot(try PostgresPivotCompiler(table: table).compile(query, over: scope))
    }

    /// Runs a compiled pivot and finishes its rows.
    func pivot(_ compiled: CompiledPivot) async throws -> PivotResult {
        let rows = try await self.query(compiled.sql, compiled.parameters.map(PostgresValue.init))
        let text = rows.map { row in (0..<row.count).map { row[$0].text } }
        return try compiled.result(rows: text)
    }
}

extension PostgresPool {
    /// Answers a pivot on the server with a pooled connection; see ``PostgresConnection/pivot(_:over:table:)``.
    public func pivot(
        _ query: PivotQuery,
        over scope: CostFilter = .all,
        table: SQLCostTable = CostSchema.pivotTable
    ) async throws -> PivotResult {
        try await withConnection { connection in try await connection.pivot(query, over: scope, table: table) }
    }
}

extension PostgresCostStore {
    /// Answers a query: a pivot that compiles to SQL runs on the server (one statement, see
    /// ``PostgresConnection/pivot(_:over:table:)``); every other query, and the few pivots with no exact SQL form
    /// (`approx_count_distinct`, a top-N ranked by a percentile), is evaluated in memory over the columns it reads.
    /// Either way the cells are the same.
    ///
    /// - Throws: `CostStoreError` (`io`) for a failure of the server, ``PivotKit/PivotError`` for a query that
    ///   cannot run.
    public func evaluate<Query: CostQuery>(_ query: Query, over filter: CostFilter) async throws -> Query.Result {
        if let pivot = query as? PivotQuery,
            let compiled = try? Self.compile(pivot, over: filter)
        {
            let result: PivotResult
            do {
                result = try await pool.withConnection { connection in try await connection.pivot(compiled) }
            } catch let error as PostgresError {
                throw CostStoreError(.io, "answering a pivot on the server: \(error)")
            }
            // Query is PivotQuery here, so its Result is PivotResult.
            if let result = result as? Query.Result { return result }
        }
        return try await evaluateInMemory(query, over: filter)
    }

    /// The SQL statement that answers `query` on this store's server, with its parameters.
    public static func compile(_ query: PivotQuery, over scope: CostFilter = .all) throws(PivotError) -> CompiledPivot {
        try PostgresPivotCompiler(table: CostSchema.pivotTable).compile(query, over: scope)
    }
}

extension CostStoreOpener {
    /// Opens `postgres://` and `postgresql://` locations as ``PostgresCostStore``s, applying the schema
    /// migrations the database lacks (or, with `migrate: false`, refusing a database that lacks any).
    public mutating func registerPostgres(
        configuration: PostgresPool.Configuration = PostgresPool.Configuration(),
        migrate: Bool = true
    ) {
        for scheme in ["postgres", "postgresql"] {
            register(scheme: scheme) { location in
                try await PostgresCostStore.open(location.value, configuration: configuration, migrate: migrate)
            }
        }
    }
}

extension PostgresValue {
    /// The value of a compiled pivot's parameter.
    init(_ parameter: SQLParameter) {
        switch parameter {
        case .text(let value): self = .text(value)
        case .decimal(let value): self = .decimal(value)
        case .timestamp(let value): self = .timestamp(value)
        case .integer(let value): self = .integer(value)
        }
    }
}
