import FinOpsCore

extension CostStore {
    /// Answers a pivot over the stored rows in memory, reading only the columns the query needs
    /// (``PivotQuery/columnsRead``) from the periods `filter` selects.
    ///
    /// Stores that can answer on their side offer their own `pivot` (PGStore's `PostgresCostStore.pivot(_:)`).
    /// - Throws: ``PivotError`` for a query that cannot run, or the store's error.
    public func pivot(_ query: PivotQuery, over filter: CostFilter = .all) async throws -> PivotResult {
        var filter = filter
        filter.columns = query.columnsRead
        return try query.run(on: try await read(filter))
    }
}
