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
        let compiled = try PostgresPivotCompiler(table: table).compile(query)
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
