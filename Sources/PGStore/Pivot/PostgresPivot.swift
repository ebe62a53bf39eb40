import FinOpsCore
import PivotKit

extension PostgresConnection {
    /// Answers a pivot on the server: the query is compiled to one statement with bound parameters, run there, and
    /// its rows are finished exactly as the in-memory executor finishes its groups (averages and percentiles divided
    /// and interpolated exactly, derived measures, HAVING, sort, limit), so both give the same cells.
    ///
    /// - Parameter table: the cost table (schema-qualified).
    /// - Throws: ``PivotKit/PivotError`` for a query that cannot be compiled or read back, ``PostgresError`` from the
    ///   server.
    public func pivot(_ query: PivotQuery, table: String = CostSchema.costTable) async throws -> PivotResult {
        try await pivot(try PostgresPivotCompiler(table: table).compile(query))
    }

    /// Runs a compiled pivot and finishes its rows.
    func pivot(_ compiled: CompiledPivot) async throws -> PivotResult {
        let rows = try await self.query(compiled.sql, compiled.parameters.map(PostgresValue.init))
        let text = rows.map { row in (0..<row.count).map { row[$0].text } }
        return try compiled.result(rows: text)
    }
}

extension PostgresPool {
    /// Answers a pivot on the server with a pooled connection; see ``PostgresConnection/pivot(_:table:)``.
    public func pivot(_ query: PivotQuery, table: String = CostSchema.costTable) async throws -> PivotResult {
        try await withConnection { connection in try await connection.pivot(query, table: table) }
    }
}

extension PostgresCostStore {
    /// Answers a pivot over the stored rows: on the server when the query compiles to SQL, else in memory over the
    /// columns it reads (``PivotKit/PivotQuery/columnsRead``), so every query gets the same cells either way.
    ///
    /// - Throws: ``PivotKit/PivotError`` for a query that cannot run, ``PostgresError`` from the server.
    public func pivot(_ query: PivotQuery) async throws -> PivotResult {
        if let compiled = try? PostgresPivotCompiler().compile(query) {
            return try await pool.withConnection { connection in try await connection.pivot(compiled) }
        }
        return try query.run(on: try await read(CostFilter(columns: query.columnsRead)))
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
